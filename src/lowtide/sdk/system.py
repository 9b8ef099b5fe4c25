"""System metrics beside a run: CPU, memory, and GPU utilisation and memory through NVML.

A daemon thread samples at a low rate (`LOWTIDE_SYSTEM_INTERVAL`, 15 s by
default; 0 turns it off) and logs `system/...` keys at the run's current
step. The health engine takes them as a sign that the process lives, so a
GPU that idles while the process lives can be noticed. NVML comes from the
`nvidia-ml-py` package (`pip install 'lowtide[gpu]'`) and is used only when
it loads.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

#: Seconds between two samples by default: cheap, and fine enough for hour-long runs.
DEFAULT_INTERVAL_S = 15.0
#: Prefix of every system key; the health engine recognises it.
PREFIX = "system/"
#: The thread's name; tests look for leftover threads by this prefix.
THREAD_NAME = "lowtide-system"


class Sampler:
    """Reads the machine's and this process's figures; GPUs only when NVML loads."""

    def __init__(self) -> None:
        import psutil

        self._psutil = psutil
        self._process = psutil.Process()
        self._process.cpu_percent(None)  # the first call only starts the measurement
        psutil.cpu_percent(None)
        self._nvml: Any = None
        self._gpus: list[Any] = []
        try:
            import pynvml

            pynvml.nvmlInit()
            self._gpus = [
                pynvml.nvmlDeviceGetHandleByIndex(i) for i in range(pynvml.nvmlDeviceGetCount())
            ]
            self._nvml = pynvml
        except Exception:  # no package, no driver, no GPU: CPU figures only
            self._nvml = None

    def sample(self) -> dict[str, float]:
        """The figures now, as `system/...` keys."""
        p = self._psutil
        memory = p.virtual_memory()
        with self._process.oneshot():
            values = {
                f"{PREFIX}cpu_percent": float(p.cpu_percent(None)),
                f"{PREFIX}process_cpu_percent": float(self._process.cpu_percent(None)),
                f"{PREFIX}memory_percent": float(memory.percent),
                f"{PREFIX}process_rss_mb": self._process.memory_info().rss / 2**20,
            }
        for i, handle in enumerate(self._gpus):
            try:
                rates = self._nvml.nvmlDeviceGetUtilizationRates(handle)
                mem = self._nvml.nvmlDeviceGetMemoryInfo(handle)
            except Exception:
                continue
            values[f"{PREFIX}gpu{i}/utilization"] = float(rates.gpu)
            values[f"{PREFIX}gpu{i}/memory_percent"] = 100.0 * mem.used / max(mem.total, 1)
        return values

    def close(self) -> None:
        if self._nvml is not None:
            try:
                self._nvml.nvmlShutdown()
            except Exception:
                log.debug("NVML did not shut down cleanly", exc_info=True)


class SystemMonitor:
    """Samples every `interval_s` seconds and hands the figures to `log`, until `stop()`."""

    def __init__(self, log_values: Callable[[dict[str, float]], None], interval_s: float) -> None:
        self._log = log_values
        self._interval = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=THREAD_NAME, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _loop(self) -> None:
        try:
            sampler = Sampler()
        except Exception:
            log.warning("lowtide: system metrics are not available here", exc_info=True)
            return
        try:
            while not self._stop.wait(self._interval):
                try:
                    self._log(sampler.sample())
                except Exception:  # never let a sampling hiccup end the thread
                    log.debug("a system metrics sample failed", exc_info=True)
        finally:
            sampler.close()
