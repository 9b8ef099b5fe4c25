"""The servers of a run: lowtide and MLflow in subprocesses, watched and always stopped.

Servers run in a process group of their own, on 127.0.0.1 and a port picked
free, with their data in the run's temporary folder; `ServerProcess.stop`
asks them to stop, then kills what is left of them, whatever happened.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

from benchmarks.harness import HOST, BenchError, Client, Deadline, say

#: Seconds a lowtide server may take to answer its health check after being started.
LOWTIDE_START_TIMEOUT_S = 60.0
#: Seconds the MLflow server may take (it creates its tables and starts 4 workers: ~25 s here).
MLFLOW_START_TIMEOUT_S = 180.0
#: Seconds a server gets to stop by itself before its process group is killed.
STOP_GRACE_S = 15.0
#: Tries at starting a server when the free port was taken in between.
START_TRIES = 3
#: Lines of a server's log shown when it failed.
LOG_TAIL_LINES = 30


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


@dataclass
class ServerProcess:
    """A server started in a process group of its own, with its output in a log file."""

    name: str
    argv: list[str]
    env: dict[str, str]
    cwd: Path
    port: int
    ready_path: str
    stop_signal: signal.Signals
    log_path: Path
    proc: subprocess.Popen[bytes] | None = None
    start_s: float = 0.0
    stop_s: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self, timeout_s: float) -> None:
        started = time.perf_counter()
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                self.argv,
                env=self.env,
                cwd=self.cwd,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = Deadline(timeout_s)
        while not deadline.passed():
            if self.proc.poll() is not None:
                raise BenchError(
                    f"{self.name} exited with code {self.proc.returncode} before it answered; "
                    f"the end of its log:\n{self.log_tail()}"
                )
            try:
                with Client(self.port, timeout_s=2.0) as client:
                    status, _ = client.request("GET", self.ready_path)
                if status == 200:
                    self.start_s = time.perf_counter() - started
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise BenchError(
            f"{self.name} did not answer within {timeout_s:.0f} s; the end of its log:\n"
            f"{self.log_tail()}"
        )

    def processes(self) -> list[psutil.Process]:
        """The server's process and its descendants (workers, the health engine, ...)."""
        try:
            main = psutil.Process(self.pid)
            return [main, *main.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def stop(self) -> None:
        """Ask the server to stop; after STOP_GRACE_S, kill its process group and children."""
        if self.proc is None:
            return
        started = time.perf_counter()
        proc = self.proc
        descendants = self.processes()[1:]
        self.proc = None
        try:
            if proc.poll() is None:
                proc.send_signal(self.stop_signal)
                try:
                    proc.wait(STOP_GRACE_S)
                except subprocess.TimeoutExpired:
                    self.notes.append(
                        f"did not stop within {STOP_GRACE_S:.0f} s of {self.stop_signal.name}"
                    )
            _, alive = psutil.wait_procs(descendants, timeout=5)
            for p in alive:
                self.notes.append(f"child {p.pid} outlived the server")
        finally:
            # Whatever happened above (Ctrl-C included), nothing of the server keeps running.
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)  # the group is ours: start_new_session
                proc.wait(5)
            for p in descendants:
                with contextlib.suppress(psutil.NoSuchProcess):
                    if p.is_running():
                        p.kill()
            self.stop_s = time.perf_counter() - started

    def problems(self, most: int = 5) -> list[str]:
        """The first warnings, errors and tracebacks in the server's log."""
        try:
            lines = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return []
        return [ln for ln in lines if ln.startswith(("WARNING", "ERROR", "Traceback"))][:most]

    def log_tail(self) -> str:
        try:
            lines = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return "(no log)"
        return "\n".join(lines[-LOG_TAIL_LINES:])


#: MLflow would otherwise send usage telemetry off this machine from clients and server.
NO_TELEMETRY = {"MLFLOW_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "true"}


def clean_env() -> dict[str, str]:
    """This environment without LOWTIDE_* and MLFLOW_* settings that could point elsewhere,
    and with this package importable from any working folder (for worker processes)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LOWTIDE_", "MLFLOW_"))}
    env.update(NO_TELEMETRY)
    here = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (here, env.get("PYTHONPATH")) if p)
    return env


def _start(make: Any, timeout_s: float) -> ServerProcess:
    """Start a server on a free port, trying another port when it was taken in between."""
    for attempt in range(START_TRIES):
        server: ServerProcess = make(free_port())
        try:
            server.start(timeout_s)
            return server
        except BaseException as exc:  # Ctrl-C or SIGTERM while it starts, too
            server.stop()
            log = server.log_tail()
            taken = "cannot listen" in log or "address already" in log
            if not isinstance(exc, BenchError) or not taken or attempt == START_TRIES - 1:
                raise
    raise AssertionError("unreachable")


@contextlib.contextmanager
def lowtide_server(
    workdir: Path, settings: dict[str, str] | None = None
) -> Iterator[ServerProcess]:
    """`python -m lowtide serve` on a free port, its data folder (LOWTIDE_HOME) in workdir,
    with `settings` as more LOWTIDE_* variables (`{"LOWTIDE_HEALTH": "off"}`)."""
    home = workdir / "home"
    home.mkdir(parents=True, exist_ok=True)
    env = clean_env()
    env["LOWTIDE_HOME"] = str(home)
    env.update(settings or {})

    def make(port: int) -> ServerProcess:
        return ServerProcess(
            name="the lowtide server",
            argv=[sys.executable, "-m", "lowtide", "serve", "--host", HOST, "--port", str(port)],
            env=env,
            cwd=workdir,
            port=port,
            ready_path="/api/v1/health",
            stop_signal=signal.SIGINT,
            log_path=workdir / "lowtide-server.log",
        )

    server = _start(make, LOWTIDE_START_TIMEOUT_S)
    try:
        yield server
    finally:
        server.stop()
        for note in server.notes:
            say(f"  ! lowtide server: {note}")
        for line in server.problems():
            say(f"  ! lowtide server log: {line}")


@contextlib.contextmanager
def mlflow_server(workdir: Path) -> Iterator[ServerProcess]:
    """`mlflow server` on a SQLite file in workdir, with its default 4 workers."""
    workdir.mkdir(parents=True, exist_ok=True)
    env = clean_env()
    # Its GenAI job runner keeps six polling consumers busy (~60 % of a core here, found by
    # watching them idle); tracking does not use it, and on 2 cores it would slow both sides.
    env["MLFLOW_SERVER_ENABLE_JOB_EXECUTION"] = "false"

    def make(port: int) -> ServerProcess:
        return ServerProcess(
            name="the MLflow server",
            argv=[
                sys.executable,
                "-m",
                "mlflow",
                "server",
                "--backend-store-uri",
                f"sqlite:///{workdir / 'mlflow.db'}",
                "--host",
                HOST,
                "--port",
                str(port),
            ],
            env=env,
            cwd=workdir,  # artifacts (./mlartifacts) land here, not in the work tree
            port=port,
            ready_path="/health",
            stop_signal=signal.SIGTERM,
            log_path=workdir / "mlflow-server.log",
        )

    say("  starting the MLflow server (it takes ~25 s) ...")
    server = _start(make, MLFLOW_START_TIMEOUT_S)
    say(f"  MLflow server ready on port {server.port} after {server.start_s:.1f} s")
    try:
        yield server
    finally:
        server.stop()
        for note in server.notes:
            say(f"  ! MLflow server: {note}")


def wait_quiet(server: ServerProcess, max_s: float, below_cores: float = 0.1) -> float:
    """Wait until the server's processes use less than `below_cores` of a CPU; seconds waited.

    The health engine judges points in a child process after the request has been
    answered; timing reads while it still works would measure it, not the reads.
    """
    started = time.perf_counter()
    deadline = Deadline(max_s)
    procs = server.processes()
    for p in procs:
        with contextlib.suppress(psutil.NoSuchProcess):
            p.cpu_percent(None)
    while not deadline.passed():
        time.sleep(0.5)
        busy = 0.0
        for p in procs:
            with contextlib.suppress(psutil.NoSuchProcess):
                busy += p.cpu_percent(None) / 100
        if busy < below_cores:
            return time.perf_counter() - started
    say(f"  ! the server was still busy after {max_s:.0f} s; measuring anyway")
    return time.perf_counter() - started


def cpu_seconds(procs: Sequence[psutil.Process]) -> list[float]:
    """User + system CPU seconds each process has used so far (0 for one that has ended)."""
    out = []
    for p in procs:
        try:
            t = p.cpu_times()
            out.append(t.user + t.system)
        except psutil.NoSuchProcess:
            out.append(0.0)
    return out


class RssSampler:
    """Samples the memory of a server's process tree in a thread; keeps the peaks.

    `peak_main` is the RSS of the server process; `peak_tree` the RSS of it and its
    children added up, which counts the pages they share (libraries) twice; `peak_pss`
    the same sum in proportional set size, which counts a shared page once overall.
    """

    def __init__(self, server: ServerProcess, interval_s: float = 0.05) -> None:
        self._server = server
        self._interval = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="bench-rss", daemon=True)
        self.peak_main = 0
        self.peak_tree = 0
        self.peak_pss = 0
        self.samples = 0
        #: (seconds since start, server RSS) of every sample.
        self.trace: list[tuple[float, int]] = []

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(5)

    def growth(self) -> float:
        """Bytes per second the server's RSS grew by over the second half of the sampling."""
        half = [(t, rss) for t, rss in self.trace if t >= self.trace[-1][0] / 2]
        if len(half) < 2 or half[-1][0] == half[0][0]:
            return 0.0
        return (half[-1][1] - half[0][1]) / (half[-1][0] - half[0][0])

    def _loop(self) -> None:
        procs: list[psutil.Process] = []
        refreshed = 0.0
        started = time.perf_counter()
        while True:
            if time.perf_counter() - refreshed > 1.0:
                procs, refreshed = self._server.processes(), time.perf_counter()
            sizes = []
            for p in procs:
                with contextlib.suppress(psutil.NoSuchProcess):
                    sizes.append(p.memory_full_info())
            if sizes and len(sizes) == len(procs):  # none ended between two refreshes
                self.peak_main = max(self.peak_main, sizes[0].rss)
                self.peak_tree = max(self.peak_tree, sum(m.rss for m in sizes))
                self.peak_pss = max(self.peak_pss, sum(m.pss for m in sizes))
                self.samples += 1
                self.trace.append((time.perf_counter() - started, sizes[0].rss))
            if self._stop.wait(self._interval):
                return


# -- one run of the suite -------------------------------------------------------------------


class Context:
    """One run of the suite: its temporary folder and the MLflow server the benchmarks share."""

    def __init__(self, stack: contextlib.ExitStack) -> None:
        self._stack = stack
        self.root = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="lowtide-bench-")))
        self._mlflow: ServerProcess | None = None
        self._n = 0

    def workdir(self, name: str) -> Path:
        """A fresh folder under the run's temporary folder."""
        self._n += 1
        path = self.root / f"{self._n:02d}-{name}"
        path.mkdir(parents=True)
        return path

    def mlflow(self) -> ServerProcess:
        """The MLflow server, started on first use and stopped at the end of the run."""
        if self._mlflow is None:
            self._mlflow = self._stack.enter_context(mlflow_server(self.workdir("mlflow")))
        return self._mlflow
