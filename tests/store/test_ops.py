"""SDK operations applied straight to the store: what lands, and what is set aside for good."""

from __future__ import annotations

from typing import Any

import pytest

from lowtide.core.batch import BatchLimits
from lowtide.errors import RejectedError
from lowtide.store import Store
from lowtide.store.ops import apply_op

LIMITS = BatchLimits(250, 100_000)
RUN = "b" * 32


def test_create_log_finish(store: Store) -> None:
    apply_op(store, {"op": "create_run", "body": {"project": "p", "id": RUN}}, LIMITS)
    body = {"batch_id": "x1", "metrics": {"loss": {"steps": [0, 1], "values": [1.0, "NaN"]}}}
    first = apply_op(store, {"op": "log", "run_id": RUN, "body": body}, LIMITS)
    again = apply_op(store, {"op": "log", "run_id": RUN, "body": body}, LIMITS)
    assert (first.fresh, again.fresh) == (True, False)
    end = apply_op(store, {"op": "finish", "run_id": RUN, "body": {"status": "failed"}}, LIMITS)
    assert end.status == "failed"
    assert store.get_run(RUN).status.value == "failed"
    assert len(store.read_series(RUN, "loss")) == 2


@pytest.mark.parametrize(
    ("op", "status"),
    [
        ("not an op", 422),
        ({"op": "teleport", "run_id": RUN}, 422),
        (
            {
                "op": "log",
                "run_id": "nope",
                "body": {"metrics": {"x": {"steps": [0], "values": [1]}}},
            },
            404,
        ),
        ({"op": "create_run", "body": {"project": "p", "planned_steps": -3}}, 422),
        ({"op": "finish", "run_id": RUN, "body": {"status": "running"}}, 422),
        ({"op": "log", "run_id": RUN, "body": {"metrics": 7}}, 422),
    ],
)
def test_what_can_never_succeed_is_rejected(store: Store, op: Any, status: int) -> None:
    apply_op(store, {"op": "create_run", "body": {"project": "p", "id": RUN}}, LIMITS)
    with pytest.raises(RejectedError) as caught:
        apply_op(store, op, LIMITS)
    assert caught.value.status == status
