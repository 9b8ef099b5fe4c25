"""Real server and client processes for the fault and load tests in test_faults.py.

The server is `python -m lowtide serve` in a session of its own, so that its
health-engine child can be found (and stopped) through the process group. The
client is this module run as `python -m tests.faults_helpers client ...`: it
logs deterministic values through the SDK, so the tests know every point to
expect. Standard library only at import; the client imports lowtide itself.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

#: The folder that holds `tests/`: the client runs as a module from there.
PROJECT_ROOT = Path(__file__).resolve().parents[1]
#: Seconds a server may take to answer its health check after it is started.
SERVER_START_TIMEOUT_S = 30.0
#: Seconds a process may take to exit after SIGTERM or SIGKILL.
PROCESS_STOP_TIMEOUT_S = 10.0
#: Seconds one HTTP request of the tests may take.
HTTP_TIMEOUT_S = 15.0
#: Pause between two looks of a polling loop.
POLL_S = 0.05
#: Keys the client logs at every step, k0..k{n-1}.
KEY_PREFIX = "k"


# -- values the client logs ---------------------------------------------------------


def key_name(k: int) -> str:
    return f"{KEY_PREFIX}{k}"


def expected_value(seed: int, step: int, k: int) -> float:
    """The value of key `k` at `step` of the run with `seed`: distinct and exact as a float."""
    return seed * 10_000_000 + step * 8 + k + 0.25


# -- polling and HTTP ---------------------------------------------------------------


def wait_for(
    probe: Callable[[], T | None],
    timeout_s: float,
    what: str | Callable[[], str],
    poll_s: float = POLL_S,
) -> T:
    """Call `probe` until it returns something truthy, or fail after `timeout_s` saying `what`
    (a string, or a function that describes the state at the time of failure)."""
    deadline = time.monotonic() + timeout_s
    last_error: Exception | None = None
    while True:
        try:
            found = probe()
        except (OSError, http.client.HTTPException, ValueError) as exc:
            found, last_error = None, exc
        if found:
            return found
        if time.monotonic() > deadline:
            why = f" (last error: {last_error!r})" if last_error else ""
            said = what if isinstance(what, str) else what()
            raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {said}{why}")
        time.sleep(poll_s)


def request(
    url: str, method: str, path: str, body: Any = None, raw: bytes | None = None
) -> tuple[int, Any]:
    """One HTTP request on a fresh connection; the status and the decoded JSON answer."""
    host, port = url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=HTTP_TIMEOUT_S)
    try:
        data = raw if raw is not None else None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"} if data is not None else {}
        conn.request(method, path, body=data, headers=headers)
        response = conn.getresponse()
        answer = response.read()
        return response.status, json.loads(answer) if answer else None
    finally:
        conn.close()


def get_json(url: str, path: str) -> Any:
    status, answer = request(url, "GET", path)
    if status != 200:
        raise AssertionError(f"GET {path} answered {status}: {answer}")
    return answer


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def process_env(home: Path, url: str, **extra: str) -> dict[str, str]:
    """A clean environment: nothing from the caller's LOWTIDE_* leaks into the processes."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOWTIDE_")}
    env.pop("PYTHONWARNINGS", None)
    env.update(LOWTIDE_HOME=str(home), LOWTIDE_URL=url, PYTHONUNBUFFERED="1")
    env.update(extra)
    return env


def spooled_files(home: Path) -> list[Path]:
    """Operations waiting in the spool of the data folder `home`."""
    spool = home / "spool"
    if not spool.is_dir():
        return []
    return sorted(p for p in spool.iterdir() if p.name.endswith(".json"))


def group_members(pgid: int) -> list[int]:
    """Live processes of a process group (Linux /proc), zombies left out."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name is in parentheses and may hold spaces: split after it.
        fields = stat[stat.rfind(")") + 2 :].split()
        if fields[0] != "Z" and int(fields[2]) == pgid:
            members.append(int(entry.name))
    return members


def tail(path: Path, n_chars: int = 3000) -> str:
    try:
        return path.read_text(errors="replace")[-n_chars:]
    except FileNotFoundError:
        return "(no output)"


# -- processes ----------------------------------------------------------------------


@dataclass
class ServerProcess:
    """`lowtide serve` on 127.0.0.1:port with LOWTIDE_HOME=home, started and stopped at will."""

    home: Path
    port: int
    log_path: Path
    env_extra: dict[str, str] = field(default_factory=dict)
    proc: subprocess.Popen[bytes] | None = None
    pgids: list[int] = field(default_factory=list)
    starts: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> float:
        """Start the server and wait until it answers; the seconds that took."""
        assert self.proc is None or self.proc.poll() is not None, "the server is running"
        began = time.monotonic()
        self.starts += 1
        env = process_env(self.home, self.url, **self.env_extra)
        with open(self.log_path, "ab") as out:
            out.write(f"\n==== start {self.starts} ====\n".encode())
            out.flush()
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "lowtide", "serve", "--port", str(self.port)],
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.pgids.append(self.proc.pid)
        wait_for(self._healthy, SERVER_START_TIMEOUT_S, f"the server on port {self.port}")
        return time.monotonic() - began

    def _healthy(self) -> bool:
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise AssertionError(
                f"the server exited with {self.proc.returncode}:\n{tail(self.log_path)}"
            )
        status, _ = request(self.url, "GET", "/api/v1/health")
        return status == 200

    def kill(self) -> None:
        """SIGKILL the server process itself (not its children), as the OOM killer would."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(PROCESS_STOP_TIMEOUT_S)

    def stop(self) -> None:
        """Stop gracefully if running, then make sure nothing of any start is left."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(PROCESS_STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(PROCESS_STOP_TIMEOUT_S)
        # Children of a server killed with SIGKILL (its health engine) live on in its group
        # until they notice; a group with no members left is not signalled at all.
        for pgid in self.pgids:
            if group_members(pgid):
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(pgid, signal.SIGKILL)

    def log(self) -> str:
        return tail(self.log_path)


@dataclass
class ClientProcess:
    """A training script in a process of its own, logging through the SDK."""

    run_id: str
    proc: subprocess.Popen[bytes]
    log_path: Path

    def wait(self, timeout_s: float) -> int:
        try:
            return self.proc.wait(timeout_s)
        except subprocess.TimeoutExpired:
            raise AssertionError(
                f"client {self.run_id} still running after {timeout_s:.0f} s:\n{self.log()}"
            ) from None

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(PROCESS_STOP_TIMEOUT_S)

    def log(self) -> str:
        return tail(self.log_path)


#: Seconds a client holds its finish at most, waiting for the test's go-ahead.
HOLD_LIMIT_S = 120.0


def start_client(
    *,
    home: Path,
    url: str,
    log_path: Path,
    run_id: str,
    project: str,
    steps: int,
    keys: int,
    seconds: float,
    seed: int = 0,
    flush_interval_s: float = 0.1,
    hold_until: Path | None = None,
) -> ClientProcess:
    """Log `steps` x `keys` points into run `run_id`, spread evenly over `seconds`; with
    `hold_until`, finish the run only once that file exists (so a test can be sure the
    client still lives at a moment of its choosing, however slow the machine)."""
    env = process_env(home, url, LOWTIDE_FLUSH_INTERVAL=str(flush_interval_s))
    args = [
        *("--run-id", run_id, "--project", project, "--steps", str(steps)),
        *("--keys", str(keys), "--seconds", str(seconds), "--seed", str(seed)),
        *(("--hold-until", str(hold_until)) if hold_until else ()),
    ]
    with open(log_path, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.faults_helpers", "client", *args],
            cwd=PROJECT_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    return ClientProcess(run_id, proc, log_path)


# -- checking what arrived ----------------------------------------------------------


def mismatch(
    got_steps: Sequence[int], got_values: Sequence[float], steps: int, seed: int, k: int
) -> str | None:
    """None when exactly steps 0..steps-1 arrived once each with their values, else what is off."""
    want_values = [expected_value(seed, s, k) for s in range(steps)]
    if list(got_steps) == list(range(steps)) and list(got_values) == want_values:
        return None
    seen: dict[int, int] = {}
    for s in got_steps:
        seen[s] = seen.get(s, 0) + 1
    duplicated = sorted(s for s, n in seen.items() if n > 1)
    missing = sorted(set(range(steps)) - seen.keys())
    unexpected = sorted(s for s in seen if not 0 <= s < steps)
    wrong = [
        (s, v)
        for s, v in zip(got_steps, got_values, strict=True)
        if 0 <= s < steps and v != expected_value(seed, s, k)
    ]
    return (
        f"{key_name(k)}: {len(got_steps)} points for {steps} steps; "
        f"{len(duplicated)} duplicated (first {duplicated[:5]}), "
        f"{len(missing)} missing (first {missing[:5]}), "
        f"{len(unexpected)} unexpected steps (first {unexpected[:5]}), "
        f"{len(wrong)} wrong values (first {wrong[:3]})"
    )


def series_problems(url: str, run_id: str, steps: int, keys: int, seed: int) -> list[str]:
    """What is off in a run's series as the HTTP API returns them (empty when all is there)."""
    problems = []
    for k in range(keys):
        status, answer = request(url, "GET", f"/api/v1/runs/{run_id}/series?key={key_name(k)}")
        if status != 200:
            problems.append(f"{key_name(k)}: HTTP {status} {answer}")
            continue
        if answer["n_total"] != len(answer["steps"]) or answer["downsampled"]:
            problems.append(f"{key_name(k)}: n_total {answer['n_total']} or downsampled")
        found = mismatch(answer["steps"], answer["values"], steps, seed, k)
        if found:
            problems.append(found)
    return problems


def run_status(url: str, run_id: str) -> str | None:
    status, answer = request(url, "GET", f"/api/v1/runs/{run_id}")
    return str(answer["status"]) if status == 200 else None


# -- the client, when this module runs as a script -----------------------------------


def client_main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="faults_helpers client")
    parser.add_argument("--run-id", required=True)
    parser.add_argument("--project", required=True)
    parser.add_argument("--steps", type=int, required=True)
    parser.add_argument("--keys", type=int, required=True)
    parser.add_argument("--seconds", type=float, required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--hold-until", type=Path, default=None)
    args = parser.parse_args(argv)

    import lowtide

    names = [key_name(k) for k in range(args.keys)]
    run = lowtide.init(project=args.project, name=args.run_id, run_id=args.run_id)
    began = time.monotonic()
    chunk = 100
    for first in range(0, args.steps, chunk):
        for step in range(first, min(first + chunk, args.steps)):
            run.log(
                {name: expected_value(args.seed, step, k) for k, name in enumerate(names)},
                step=step,
            )
        due = began + args.seconds * min(first + chunk, args.steps) / args.steps
        pause = due - time.monotonic()
        if pause > 0:
            time.sleep(pause)
    logged_s = time.monotonic() - began
    held = time.monotonic() + HOLD_LIMIT_S
    while args.hold_until is not None and not args.hold_until.exists() and time.monotonic() < held:
        time.sleep(0.05)
    run.finish()
    print(
        f"client {args.run_id}: logged {args.steps} steps in {logged_s:.1f} s, "
        f"finished after {time.monotonic() - began:.1f} s",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] != ["client"]:
        sys.exit("usage: python -m tests.faults_helpers client --run-id ID ...")
    sys.exit(client_main(sys.argv[2:]))
