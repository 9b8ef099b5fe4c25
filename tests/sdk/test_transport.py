"""How the SDK encodes what it sends."""

from __future__ import annotations

import json
import random

from lowtide.sdk.ops import wire_float
from lowtide.sdk.transport import encode_body


def test_a_batch_encodes_to_the_same_json_as_the_standard_library() -> None:
    rng = random.Random(7)
    values = [rng.random() * 10 ** rng.randint(-300, 300) for _ in range(500)]
    values += [wire_float(x) for x in (float("nan"), float("inf"), -float("inf"))]
    body = {
        "batch_id": "b-1",
        "metrics": {
            "train/loss ✓": {
                "steps": list(range(len(values))),
                "values": values,
                "wall_times": [1.7e9 + i / 3 for i in range(len(values))],
            }
        },
    }
    encoded = encode_body({"op": "log", "run_id": "r", "body": body})
    assert json.loads(encoded) == body
    assert json.loads(encoded)["metrics"]["train/loss ✓"]["values"][-3:] == [
        "NaN",
        "Infinity",
        "-Infinity",
    ]


def test_other_bodies_keep_the_standard_librarys_leniency() -> None:
    body = {"id": "r", "config": {1: "int key", "nested": {"x": float("nan")}}}
    encoded = encode_body({"op": "create_run", "run_id": "r", "body": body})
    assert encoded == json.dumps(body, separators=(",", ":")).encode()
