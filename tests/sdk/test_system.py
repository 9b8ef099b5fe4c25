"""System metrics beside a run: real figures of this machine, logged at the run's step."""

from __future__ import annotations

import time
from pathlib import Path

from lowtide.sdk import ClientSettings, Mode, Run
from lowtide.sdk.system import Sampler
from tests.conftest import LiveServer


def test_sampler_reads_this_machine() -> None:
    sampler = Sampler()
    busy = sum(i * i for i in range(200_000))
    values = sampler.sample()
    sampler.close()
    assert busy > 0
    assert 0.0 <= values["system/cpu_percent"] <= 100.0
    assert 0.0 < values["system/memory_percent"] <= 100.0
    assert values["system/process_rss_mb"] > 10.0
    assert values["system/process_cpu_percent"] >= 0.0


def test_run_logs_system_metrics_at_its_step(live_server: LiveServer, tmp_path: Path) -> None:
    settings = ClientSettings(
        url=live_server.url, home=tmp_path, flush_interval_s=0.05, system_interval_s=0.05
    )
    with Run(project="system", settings=settings) as run:
        for step in range(5):
            run.log({"loss": 1.0 / (step + 1)}, step=step)
        time.sleep(0.4)
    keys = {k.key: k for k in live_server.store.list_keys(run.id)}
    assert keys["loss"].n_points == 5
    cpu = live_server.store.read_series(run.id, "system/cpu_percent")
    assert len(cpu) >= 3
    assert set(cpu.steps.tolist()) == {4}


def test_system_metrics_can_be_turned_off(tmp_path: Path) -> None:
    settings = ClientSettings.from_env({"LOWTIDE_SYSTEM_INTERVAL": "0", "LOWTIDE_HOME": "x"})
    assert settings.system_interval_s == 0
    run = Run(settings=ClientSettings(mode=Mode.DISABLED, system_interval_s=0))
    assert run._system is None
    run.finish()
