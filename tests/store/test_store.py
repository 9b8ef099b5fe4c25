"""The store on SQLite and PostgreSQL: runs, exact points, retries, chunks, index use."""

from __future__ import annotations

import math
import threading

import numpy as np
import pytest
from sqlalchemy import text

from lowtide.core.batch import Batch, SeriesPoints
from lowtide.core.records import RunSpec, RunStatus
from lowtide.errors import ConflictError, NotFoundError, StoreError, ValidationError
from lowtide.store import Store, open_store
from lowtide.store.points import CHUNK_MAX_POINTS, CHUNK_TARGET_POINTS
from lowtide.store.store import chunk_sizes


def points(key: str, steps: list[int], values: list[float], t0: float = 1000.0) -> SeriesPoints:
    return SeriesPoints(
        key=key,
        steps=np.array(steps, dtype=np.int64),
        wall_times=np.arange(len(steps), dtype=np.float64) + t0,
        values=np.array(values, dtype=np.float64),
    )


def batch(*series: SeriesPoints, batch_id: str | None = None) -> Batch:
    return Batch(batch_id=batch_id, series=series)


def test_create_get_and_list_runs(store: Store) -> None:
    a = store.create_run(RunSpec(project="vision", config={"lr": 0.1}, tags=("baseline",)), 10.0)
    b = store.create_run(RunSpec(project="vision", name="wide"), 20.0)
    c = store.create_run(RunSpec(project="nlp"), 30.0)
    assert a.name == "vision-1"
    assert b.name == "wide"
    assert store.get_run(a.uid) == a
    assert a.config == {"lr": 0.1}
    assert a.tags == ("baseline",)
    assert a.status is RunStatus.RUNNING
    assert [r.uid for r in store.list_runs()] == [c.uid, b.uid, a.uid]
    assert [r.uid for r in store.list_runs(project="vision")] == [b.uid, a.uid]
    assert [r.uid for r in store.list_runs(tag="baseline")] == [a.uid]
    assert [r.uid for r in store.list_runs(limit=1, offset=1)] == [b.uid]
    assert {(p.name, p.n_runs) for p in store.list_projects()} == {("vision", 2), ("nlp", 1)}


def test_create_run_with_client_id_is_idempotent(store: Store) -> None:
    first = store.create_run(RunSpec(project="p", uid="abc123", name="x"), 1.0)
    again = store.create_run(RunSpec(project="p", uid="abc123", name="x"), 2.0)
    assert again == first
    assert len(store.list_runs()) == 1
    with pytest.raises(ConflictError, match="already belongs"):
        store.create_run(RunSpec(project="other", uid="abc123"))


def test_bad_run_input_is_refused(store: Store) -> None:
    with pytest.raises(ValidationError) as info:
        store.create_run(RunSpec(project="p", uid="has space"))
    assert info.value.field == "id"
    with pytest.raises(ValidationError, match="project"):
        store.create_run(RunSpec(project="   "))
    with pytest.raises(NotFoundError):
        store.get_run("nope")


def test_points_come_back_exactly_with_nonfinite_values(store: Store) -> None:
    run = store.create_run(RunSpec(project="p"))
    values = [0.5, math.nan, math.inf, -math.inf, 1e-300, -0.0, 3.141592653589793]
    store.log_batch(run.uid, batch(points("train/loss", list(range(7)), values)))
    series = store.read_series(run.uid, "train/loss")
    assert series.steps.tolist() == list(range(7))
    got = series.values.tolist()
    assert math.isnan(got[1])
    assert got[:1] + got[2:] == values[:1] + values[2:]
    assert series.wall_times.tolist() == [1000.0 + i for i in range(7)]
    [summary] = store.list_keys(run.uid)
    assert summary.key == "train/loss"
    assert summary.n_points == 7
    assert summary.last_step == 6
    assert summary.last_value == 3.141592653589793


def test_nan_last_value_survives(store: Store) -> None:
    run = store.create_run(RunSpec(project="p"))
    store.log_batch(run.uid, batch(points("loss", [0, 1], [1.0, math.nan])))
    [summary] = store.list_keys(run.uid)
    assert math.isnan(summary.last_value)


def test_unicode_keys(store: Store) -> None:
    run = store.create_run(RunSpec(project="p"))
    store.log_batch(run.uid, batch(points("損失/训练 ✓", [1], [2.0]), points("é", [1], [3.0])))
    assert {k.key for k in store.list_keys(run.uid)} == {"損失/训练 ✓", "é"}
    assert store.read_series(run.uid, "損失/训练 ✓").values.tolist() == [2.0]


def test_retried_batch_is_stored_once(store: Store) -> None:
    run = store.create_run(RunSpec(project="p"))
    b = batch(points("loss", [1, 2, 3], [1.0, 2.0, 3.0]), batch_id="b-1")
    assert not store.log_batch(run.uid, b).duplicate
    result = store.log_batch(run.uid, b)
    assert result.duplicate
    assert result.n_points == 0
    assert len(store.read_series(run.uid, "loss")) == 3
    # The same id on another run is another batch.
    other = store.create_run(RunSpec(project="p"))
    assert not store.log_batch(other.uid, b).duplicate


def test_batch_for_unknown_run_changes_nothing(store: Store) -> None:
    with pytest.raises(NotFoundError):
        store.log_batch("missing", batch(points("loss", [1], [1.0]), batch_id="x"))
    assert store.list_runs() == []


def test_many_small_batches_merge_into_few_chunks(store: Store) -> None:
    run = store.create_run(RunSpec(project="p"))
    for i in range(300):
        store.log_batch(run.uid, batch(points("loss", [2 * i, 2 * i + 1], [i, -i])))
    sizes = chunk_sizes(store, run.uid)
    assert sum(sizes) == 600
    assert all(s <= CHUNK_MAX_POINTS for s in sizes)
    assert len(sizes) <= 600 // CHUNK_TARGET_POINTS + 1
    series = store.read_series(run.uid, "loss")
    assert series.steps.tolist() == list(range(600))


def test_step_ranges_and_out_of_order_steps(store: Store) -> None:
    run = store.create_run(RunSpec(project="p"))
    store.log_batch(run.uid, batch(points("loss", list(range(5000, 10000)), [1.0] * 5000)))
    store.log_batch(run.uid, batch(points("loss", list(range(0, 5000)), [0.0] * 5000)))
    store.log_batch(run.uid, batch(points("loss", [7, 3], [9.0, 8.0])))
    full = store.read_series(run.uid, "loss")
    assert len(full) == 10002
    assert bool((np.diff(full.steps) >= 0).all())
    # Ties keep the order they were logged in.
    sevens = full.values[full.steps == 7].tolist()
    assert sevens == [0.0, 9.0]
    window = store.read_series(run.uid, "loss", start=4998, end=5001)
    assert window.steps.tolist() == [4998, 4999, 5000, 5001]
    assert window.values.tolist() == [0.0, 0.0, 1.0, 1.0]
    assert len(store.read_series(run.uid, "loss", start=20000)) == 0


def test_unknown_key_is_not_found(store: Store) -> None:
    run = store.create_run(RunSpec(project="p"))
    with pytest.raises(NotFoundError, match="no metric"):
        store.read_series(run.uid, "loss")


def test_finish_heartbeat_and_events(store: Store) -> None:
    run = store.create_run(RunSpec(project="p"), now=100.0)
    store.heartbeat(run.uid, now=150.0)
    assert store.get_run(run.uid).last_seen_at == 150.0
    done = store.finish_run(run.uid, RunStatus.FAILED, now=200.0, message="OOM")
    assert done.status is RunStatus.FAILED
    assert done.ended_at == 200.0
    # Finishing again keeps the first ending.
    again = store.finish_run(run.uid, RunStatus.FINISHED, now=300.0)
    assert again.status is RunStatus.FAILED
    assert again.ended_at == 200.0
    kinds = [(e.kind, e.message) for e in store.list_events(run.uid)]
    assert kinds == [("created", f"run {run.name} started"), ("failed", "OOM")]
    with pytest.raises(ValidationError):
        store.finish_run(run.uid, RunStatus.RUNNING)


def test_crashed_run_can_still_finish(store: Store) -> None:
    run = store.create_run(RunSpec(project="p"))
    store.finish_run(run.uid, RunStatus.CRASHED)
    assert store.finish_run(run.uid, RunStatus.FINISHED).status is RunStatus.FINISHED


def test_find_run_by_id_prefix_and_name(store: Store) -> None:
    a = store.create_run(RunSpec(project="p", name="resnet", uid="aaaa1111"), 1.0)
    store.create_run(RunSpec(project="p", name="other", uid="bbbb2222"), 2.0)
    assert store.find_run("aaaa1111").uid == a.uid
    assert store.find_run("aaaa").uid == a.uid
    assert store.find_run("resnet").uid == a.uid
    with pytest.raises(NotFoundError):
        store.find_run("zzzz")


def test_concurrent_writers_lose_nothing(store: Store) -> None:
    run = store.create_run(RunSpec(project="p"))
    errors: list[BaseException] = []

    def writer(w: int) -> None:
        try:
            for i in range(40):
                s = points(f"k{w % 2}", [w * 1000 + i], [float(i)])
                store.log_batch(run.uid, batch(s, batch_id=f"{w}-{i}"))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(store.read_series(run.uid, "k0")) == 120
    assert len(store.read_series(run.uid, "k1")) == 120
    assert sum(k.n_points for k in store.list_keys(run.uid)) == 240


def test_two_stores_on_one_database_lose_nothing(store: Store) -> None:
    # Each store remembers where its keys stand; the other's writes must make it look again.
    other = open_store(store.url)
    try:
        run = store.create_run(RunSpec(project="p"))
        for i in range(60):
            writer = store if i % 3 else other
            writer.log_batch(run.uid, batch(points("loss", [2 * i, 2 * i + 1], [i, -i])))
        for reader in (store, other):
            series = reader.read_series(run.uid, "loss")
            assert series.steps.tolist() == list(range(120))
            assert series.values.tolist()[:4] == [0.0, -0.0, 1.0, -1.0]
        assert sum(chunk_sizes(store, run.uid)) == 120
        assert len(chunk_sizes(store, run.uid)) == 1
        [summary] = other.list_keys(run.uid)
        assert (summary.n_points, summary.last_step, summary.last_value) == (120, 119, -59.0)
    finally:
        other.close()


def test_a_key_twice_in_one_batch_keeps_both(store: Store) -> None:
    run = store.create_run(RunSpec(project="p"))
    store.log_batch(run.uid, batch(points("loss", [1, 2], [1.0, 2.0]), points("loss", [3], [3.0])))
    series = store.read_series(run.uid, "loss")
    assert series.steps.tolist() == [1, 2, 3]
    assert series.values.tolist() == [1.0, 2.0, 3.0]
    [summary] = store.list_keys(run.uid)
    assert (summary.n_points, summary.last_step) == (3, 3)


def test_reading_one_key_is_an_index_range_scan(sqlite_store: Store) -> None:
    run = sqlite_store.create_run(RunSpec(project="p"))
    sqlite_store.log_batch(run.uid, batch(points("loss", [1], [1.0])))
    with sqlite_store._read() as conn:
        for start, end in ((False, False), (True, True)):
            sql = sqlite_store._sql.chunks_in_range(start, end)
            params = {"run_id": 1, "key_id": 1, "start": 0, "end": 10}
            plan = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params).all()
            detail = " ".join(str(row[-1]) for row in plan)
            assert "USING INDEX ix_point_chunks_run_id_key_id_" in detail
            assert "SCAN point_chunks" not in detail.replace("USING INDEX", "")
            if not start:
                # The index hands the chunks over in write order: no sort of the blobs.
                assert "TEMP B-TREE" not in detail


@pytest.mark.postgres
def test_postgres_uses_the_index(pg_url: str) -> None:
    s = open_store(pg_url)
    s.upgrade()
    try:
        run = s.create_run(RunSpec(project="p"))
        s.log_batch(run.uid, batch(points("loss", [1], [1.0])))
        with s._read() as conn:
            conn.execute(text("SET enable_seqscan = off"))
            sql = s._sql.chunks_in_range(False, False)
            plan = " ".join(
                r[0] for r in conn.exec_driver_sql(f"EXPLAIN {sql}", {"run_id": 1, "key_id": 1})
            )
        assert "ix_point_chunks_run_id_key_id_id" in plan
        assert "Sort" not in plan
    finally:
        s.close()


def test_missing_store_says_how_to_create_it(tmp_path: object) -> None:
    s = open_store(f"sqlite:///{tmp_path}/none/lowtide.db")
    with pytest.raises(StoreError, match="lowtide db upgrade"):
        s.check_schema()
    s.close()


def test_unmigrated_database_is_refused(sqlite_url: str) -> None:
    s = open_store(sqlite_url)
    with s._write() as conn:
        conn.execute(text("CREATE TABLE unrelated (x INTEGER)"))
    with pytest.raises(StoreError, match="schema revision none"):
        s.check_schema()
    s.upgrade()
    s.check_schema()
    s.close()


def test_bad_url_is_a_store_error() -> None:
    with pytest.raises(StoreError, match="not a database URL"):
        open_store("not a url")


def test_planned_steps_and_kinds_make_the_health_settings(store: Store) -> None:
    run = store.create_run(RunSpec(project="p", config={"max_steps": 10}, planned_steps=500))
    settings = store.health_settings(run.uid)
    assert settings.planned_steps == 500
    assert settings.config == {"max_steps": 10}
    store.set_project_kinds("p", {"score": "higher_better", "obj": "val_loss"})
    store.set_health_settings(run.uid, kinds={"obj": "train_loss"}, planned_steps=800)
    settings = store.health_settings(run.uid)
    assert settings.kinds == {"score": "higher_better", "obj": "train_loss"}
    assert settings.planned_steps == 800
    with pytest.raises(ValidationError):
        store.set_health_settings(run.uid, planned_steps=0)


def test_migrations_build_the_schema_the_code_uses(store: Store) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from lowtide.store.schema import metadata

    with store._writer.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []


def test_notify_settings_and_deliveries(store: Store) -> None:
    assert store.notify_settings() == {}
    before = store.notify_settings_version()
    store.set_notify_settings("", {"channels": ["json://a"]}, now=1.0)
    store.set_notify_settings("nlp", {"channels": ["json://b"]}, now=2.0)
    store.set_notify_settings("", {"channels": ["json://c"]}, now=3.0)
    assert store.notify_settings() == {
        "": {"channels": ["json://c"]},
        "nlp": {"channels": ["json://b"]},
    }
    assert store.notify_settings_version() != before
    store.set_notify_settings("nlp", None)
    assert list(store.notify_settings()) == [""]
    for n in range(3):
        store.record_delivery(
            scope="", channel="json://c", title=f"m{n}", status="sent", attempts=1, error=None, at=n
        )
    assert [d.title for d in store.list_deliveries(limit=2)] == ["m2", "m1"]
    assert store.list_deliveries(scope="nlp") == []
