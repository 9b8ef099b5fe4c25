"""`lowtide watch` end to end: real files written while the watcher reads them,
delivered to a live server and to the embedded store, each point exactly once."""

from __future__ import annotations

import logging
import shutil
import struct
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from lowtide.config import Settings
from lowtide.core.records import RunStatus
from lowtide.ingest.targets import HTTPTarget, StoreTarget, Target
from lowtide.ingest.tfrecord import frame
from lowtide.ingest.watch import Watcher, run_id_for
from lowtide.sdk.settings import ClientSettings
from lowtide.store import Store
from tests.conftest import LiveServer
from tests.ingest.helpers import (
    DATA,
    hf_history,
    points,
    tf2_event,
    wait_for,
    write_records,
    write_trainer_state,
)


@pytest.fixture
def client(tmp_path: Path) -> ClientSettings:
    return ClientSettings(
        url="http://127.0.0.1:9", home=tmp_path / "client", flush_interval_s=0.05, timeout_s=5
    )


@pytest.fixture(params=["server", "store"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Target, Store]]:
    """Where the watcher sends, and the store to read the points back from."""
    if request.param == "server":
        live: LiveServer = request.getfixturevalue("live_server")
        yield HTTPTarget(live.url, 5), live.store
    else:
        store: Store = request.getfixturevalue("sqlite_store")
        settings = Settings(home=tmp_path / "home", database_url="sqlite://")
        yield StoreTarget(store, settings), store


@contextmanager
def watching(paths: list[Path], target: Target, client: ClientSettings) -> Iterator[Watcher]:
    watcher = Watcher(paths, target, client)
    try:
        yield watcher
    finally:
        watcher.close()


def run_ids(watcher: Watcher) -> dict[str, str]:
    return {r.source.name: r.run_id for r in watcher.runs}


def steps(store: Store, run_id: str, key: str) -> list[int]:
    return [s for s, _ in points(store, run_id, key)]


def test_tensorboard_runs_stream_as_they_are_written(
    tmp_path: Path, target: tuple[Target, Store], client: ClientSettings
) -> None:
    from torch.utils.tensorboard import SummaryWriter

    sink, store = target
    runs = tmp_path / "runs"
    runs.mkdir()
    with watching([runs], sink, client) as watcher:
        assert watcher.poll().new_runs == []
        first = SummaryWriter(str(runs / "a"))  # writes its file's first event at once
        result = watcher.poll()
        assert ([r.source.name for r in result.new_runs], result.points) == (["a"], 0)
        for step in range(5):
            first.add_scalar("loss", 1.0 / (step + 1), step, walltime=1000.0 + step)
            first.add_scalar("lr", 0.1, step, walltime=1000.0 + step + 1e-4)
        first.flush()
        assert watcher.poll().points == 10
        for step in range(5, 10):
            first.add_scalar("loss", 1.0 / (step + 1), step, walltime=1000.0 + step)
        first.flush()
        assert watcher.poll().points == 5
        # A resumed training: a second event file in the same folder, re-logging step 9.
        second = SummaryWriter(str(runs / "a"))
        for step in range(9, 13):
            second.add_scalar("loss", 1.0 / (step + 1), step, walltime=1000.0 + step)
        second.close()
        first.close()
        assert watcher.poll().points == 3
        # A new run folder appears while watching.
        other = SummaryWriter(str(runs / "b"))
        other.add_scalar("acc", 0.5, 0, new_style=True)
        other.close()
        assert [r.source.name for r in watcher.poll().new_runs] == ["b"]
        ids = run_ids(watcher)
    assert steps(store, ids["a"], "loss") == list(range(13))
    assert [v for _, v in points(store, ids["a"], "loss")][:2] == [1.0, 0.5]
    series = store.read_series(ids["a"], "loss")
    assert list(series.wall_times[:2]) == [1000.0, 1001.0]
    # One event per scalar, microseconds apart: one step's values share one time.
    assert list(store.read_series(ids["a"], "lr").wall_times[:2]) == [1000.0, 1001.0]
    assert points(store, ids["b"], "acc") == [(0, 0.5)]
    record = store.get_run(ids["a"])
    assert (record.name, record.project, record.tags) == ("a", "runs", ("tensorboard",))
    assert record.status is RunStatus.RUNNING  # a log folder never says it is done


def test_a_half_written_event_at_the_tail_waits(
    tmp_path: Path, sqlite_store: Store, client: ClientSettings
) -> None:
    real = DATA / "pytorch" / "events.out.tfevents.1764590000.lowtide.1.0"
    data = real.read_bytes()
    path = tmp_path / "run" / real.name
    path.parent.mkdir()
    target = StoreTarget(sqlite_store, Settings(database_url="sqlite://"))
    with watching([tmp_path], target, client) as watcher:
        path.write_bytes(data[:-20])  # the last record (step 5 of val/acc) is cut short
        watcher.poll()
        with path.open("ab") as handle:
            handle.write(data[-20:-10])
        watcher.poll()
        with path.open("ab") as handle:
            handle.write(data[-10:])
        watcher.poll()
        [run_id] = run_ids(watcher).values()
    assert steps(sqlite_store, run_id, "train/loss") == list(range(11))
    assert points(sqlite_store, run_id, "val/acc") == [(5, 0.5)]
    assert sqlite_store.get_run(run_id).started_at == 1764590000.0  # its first point's time


def test_csv_truncated_rotated_and_deleted(
    tmp_path: Path, target: tuple[Target, Store], client: ClientSettings
) -> None:
    sink, store = target
    folder = tmp_path / "lightning_logs" / "version_0"
    folder.mkdir(parents=True)
    (folder / "hparams.yaml").write_text("lr: 0.01\nhidden: 64\n")
    log = folder / "metrics.csv"
    header = "epoch,step,train_loss\n"
    log.write_text(header + "".join(f"0,{s},{1.0 / (s + 1)}\n" for s in range(10)))
    with watching([tmp_path], sink, client) as watcher:
        assert watcher.poll().points == 20  # epoch and train_loss
        log.write_text(header + "1,10,0.05\n1,11,0.04\n")  # truncated: shorter than before
        assert watcher.poll().points == 4
        log.rename(folder / "metrics.csv.1")  # rotated: a new file under the old name
        log.write_text(header + "1,11,0.04\n1,12,0.03\n1,13,0.02\n")
        assert watcher.poll().points == 4
        with log.open("a") as handle:
            handle.write("1,14,0.0")  # half a line
        assert watcher.poll().points == 0
        with log.open("a") as handle:
            handle.write("1\n")
        assert watcher.poll().points == 2
        run_id = run_ids(watcher)["version_0"]
        log.unlink()
        result = watcher.poll()
        assert [r.run_id for r in result.ended_runs] == [run_id]
        assert watcher.poll().ended_runs == []
    assert steps(store, run_id, "train_loss") == list(range(15))
    assert points(store, run_id, "train_loss")[-1] == (14, 0.01)
    record = store.get_run(run_id)
    assert (record.name, record.project) == ("version_0", "lightning_logs")
    assert record.config["lr"] == 0.01
    assert record.config["source"] == str(log)


def test_trainer_state_rewritten_with_more_history(
    tmp_path: Path, target: tuple[Target, Store], client: ClientSettings
) -> None:
    sink, store = target
    out = tmp_path / "bert-finetune"
    write_trainer_state(out / "checkpoint-20", hf_history(20), max_steps=60)
    with watching([tmp_path], sink, client) as watcher:
        assert watcher.poll().points == 8
        run_id = run_ids(watcher)["bert-finetune"]
        write_trainer_state(out / "checkpoint-40", hf_history(40), max_steps=60)
        assert watcher.poll().points == 8
        shutil.rmtree(out / "checkpoint-20")  # save_total_limit removes old checkpoints
        (out / "trainer_state.json").write_text('{"log_history": [{"step": 10, "lo')
        assert watcher.poll().points == 0  # caught mid-write
        final = [*hf_history(60), {"step": 60, "train_runtime": 31.0, "train_loss": 0.7}]
        write_trainer_state(out, final, max_steps=60)
        result = watcher.poll()
        assert [r.run_id for r in result.finished_runs] == [run_id]
        assert watcher.poll().points == 0
    assert steps(store, run_id, "loss") == [10, 20, 30, 40, 50, 60]
    assert steps(store, run_id, "eval_loss") == [50]
    assert points(store, run_id, "train_runtime") == [(60, 31.0)]
    record = store.get_run(run_id)
    assert record.status is RunStatus.FINISHED
    assert store.health_settings(run_id).planned_steps == 60


def test_a_restarted_watcher_sends_nothing_twice(
    tmp_path: Path, target: tuple[Target, Store], client: ClientSettings
) -> None:
    sink, store = target
    log = tmp_path / "runs" / "mlp-01.csv"
    log.parent.mkdir()
    log.write_text("step,wall_time,loss\n" + "".join(f"{s},{s}.5,1.0\n" for s in range(5)))
    with watching([tmp_path], sink, client) as watcher:
        watcher.poll(final=True)
    with log.open("a") as handle:
        handle.write("5,5.5,0.5\n")
    with watching([tmp_path], sink, client) as again:
        assert again.poll(final=True).points == 1
        [run_id] = run_ids(again).values()
    assert steps(store, run_id, "loss") == list(range(6))
    assert len(store.list_runs()) == 1
    assert run_id == run_id_for(again.runs[0].source)


def test_a_folder_made_again_continues_its_run(
    tmp_path: Path, sqlite_store: Store, client: ClientSettings
) -> None:
    target = StoreTarget(sqlite_store, Settings(database_url="sqlite://"))
    folder = tmp_path / "runs" / "exp"
    write_records(folder / "events.out.tfevents.1.h", [tf2_event(s, {"x": s}) for s in range(3)])
    with watching([tmp_path / "runs"], target, client) as watcher:
        watcher.poll()
        first = run_ids(watcher)["exp"]
        shutil.rmtree(folder)
        assert [r.run_id for r in watcher.poll().ended_runs] == [first]
        resumed = [tf2_event(s, {"x": s * 10}) for s in range(1, 5)]
        write_records(folder / "events.out.tfevents.2.h", resumed)
        [again] = watcher.poll().new_runs
    assert again.run_id == first
    assert points(sqlite_store, first, "x") == [(0, 0.0), (1, 1.0), (2, 2.0), (3, 30.0), (4, 40.0)]


def test_watching_in_the_background_while_training_writes(
    tmp_path: Path, live_server: LiveServer, client: ClientSettings
) -> None:
    from torch.utils.tensorboard import SummaryWriter

    watcher = Watcher([tmp_path], HTTPTarget(live_server.url, 5), client)
    stop = threading.Event()
    thread = threading.Thread(target=watcher.run, args=(0.02, stop), name="test-watch")
    (tmp_path / "keras").mkdir()
    keras_log = tmp_path / "keras" / "history.csv"
    keras_log.write_text("epoch,loss,val_loss\n")
    thread.start()
    try:
        writer = SummaryWriter(str(tmp_path / "tb" / "run"))
        for step in range(60):
            writer.add_scalar("loss", 1.0 / (step + 1), step)
            if step % 3 == 0:
                writer.flush()
            with keras_log.open("a") as handle:
                handle.write(f"{step},{1.0 / (step + 1)},{2.0 / (step + 1)}\n")
            time.sleep(0.005)
        writer.close()
        wait_for(lambda: watcher.points == 60 + 120)
    finally:
        stop.set()
        thread.join(timeout=10)
        watcher.close()
    ids = run_ids(watcher)
    assert set(ids) == {"run", "keras"}
    assert steps(live_server.store, ids["run"], "loss") == list(range(60))
    assert steps(live_server.store, ids["keras"], "val_loss") == list(range(60))
    assert live_server.store.get_run(ids["keras"]).tags == ("keras",)


def test_bad_files_are_warned_about_by_place_and_the_watch_goes_on(
    tmp_path: Path, sqlite_store: Store, client: ClientSettings, caplog: pytest.LogCaptureFixture
) -> None:
    good = [frame(tf2_event(step, {"loss": 1.0 / (step + 1)})) for step in range(4)]
    damaged = bytearray(good[2])
    damaged[damaged.index(struct.pack("<f", 1.0 / 3))] ^= 0xFF  # its data CRC no longer matches
    events = tmp_path / "runs" / "a" / "events.out.tfevents.1.host"
    events.parent.mkdir(parents=True)
    events.write_bytes(good[0] + good[1] + bytes(damaged) + good[3])
    # Not an event file at all, though named like one: bytes of an image.
    binary = events.with_name("events.out.tfevents.2.host")
    binary.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    csv_log = tmp_path / "runs" / "b" / "metrics.csv"
    csv_log.parent.mkdir()
    # A CSV log's name, a zip archive's bytes: the first NUL is at byte 4.
    not_csv = csv_log.with_name("history.csv")
    not_csv.write_bytes(b"PK\x03\x04" + bytes(range(256)) * 4)
    csv_log.write_text("step,wall_time,loss\n0,1.0,0.5\n1,2.0,0.4,9\n2,3.0,0.3\n")
    target = StoreTarget(sqlite_store, Settings(database_url="sqlite://"))
    with caplog.at_level(logging.WARNING), watching([tmp_path / "runs"], target, client) as watcher:
        assert watcher.poll().points == 3 + 2
        with events.open("ab") as handle:  # the writer goes on after the damage
            handle.write(frame(tf2_event(4, {"loss": 0.2})))
        with csv_log.open("a") as handle:
            handle.write("3,4.0,0.25\n")
        assert watcher.poll().points == 2
        ids = run_ids(watcher)
        assert watcher.poll().points == 0
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    at = len(good[0]) + len(good[1])
    assert any(str(events) in w and f"byte {at}" in w and "CRC" in w for w in warnings)
    assert any(str(binary) in w and "byte 0" in w for w in warnings)
    assert any(str(csv_log) in w and "line 3" in w for w in warnings)
    assert [w for w in warnings if str(not_csv) in w] == [
        f"{not_csv} at byte 4: binary data, not a CSV log; skipped"
    ]
    assert steps(sqlite_store, ids["a"], "loss") == [0, 1, 3, 4]
    assert steps(sqlite_store, ids["b"], "loss") == [0, 2, 3]
