"""The SDK's settings, from `LOWTIDE_*` environment variables (standard library only)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from lowtide import paths
from lowtide.errors import ConfigError

#: Seconds between two sends of buffered points.
DEFAULT_FLUSH_INTERVAL_S = 1.0
#: log() calls held in memory before log() starts to wait for the sender, then to drop.
DEFAULT_BUFFER_MAX_RECORDS = 100_000
#: Most bytes the on-disk spool may hold; past it, new batches are dropped (see README).
DEFAULT_SPOOL_MAX_BYTES = 1024 * 1024 * 1024
#: Seconds one HTTP request may take before the server counts as unreachable.
DEFAULT_TIMEOUT_S = 10.0
#: Seconds finish() waits for the last points to reach the server before spooling them.
DEFAULT_FINISH_TIMEOUT_S = 30.0
#: Seconds between two samples of system metrics (CPU, memory, GPU); 0 for none.
DEFAULT_SYSTEM_INTERVAL_S = 15.0


class Mode(StrEnum):
    """`online` sends to the server (spooling when it is down), `offline` only spools,
    `disabled` keeps nothing."""

    ONLINE = "online"
    OFFLINE = "offline"
    DISABLED = "disabled"


@dataclass(frozen=True)
class ClientSettings:
    """Where and how the SDK sends what a training script logs."""

    url: str = paths.DEFAULT_URL
    home: Path = Path(".")
    mode: Mode = Mode.ONLINE
    flush_interval_s: float = DEFAULT_FLUSH_INTERVAL_S
    buffer_max_records: int = DEFAULT_BUFFER_MAX_RECORDS
    spool_max_bytes: int = DEFAULT_SPOOL_MAX_BYTES
    timeout_s: float = DEFAULT_TIMEOUT_S
    finish_timeout_s: float = DEFAULT_FINISH_TIMEOUT_S
    system_interval_s: float = DEFAULT_SYSTEM_INTERVAL_S

    def __post_init__(self) -> None:
        # `mode="offline"` from a caller must mean what Mode.OFFLINE means.
        try:
            object.__setattr__(self, "mode", Mode(self.mode))
        except ValueError:
            raise ConfigError(f"mode {self.mode!r}: use online, offline or disabled") from None

    @property
    def spool_dir(self) -> Path:
        return paths.spool_dir(self.home)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ClientSettings:
        """Read `LOWTIDE_URL`, `LOWTIDE_HOME`, `LOWTIDE_MODE`, `LOWTIDE_SPOOL_MAX_BYTES`, ..."""
        env = os.environ if environ is None else environ
        try:
            mode = Mode(env.get("LOWTIDE_MODE", Mode.ONLINE.value).lower())
        except ValueError:
            raise ConfigError(
                f"LOWTIDE_MODE={env['LOWTIDE_MODE']!r}: use online, offline or disabled"
            ) from None
        return cls(
            url=env.get("LOWTIDE_URL", paths.DEFAULT_URL).rstrip("/"),
            home=paths.data_home(env),
            mode=mode,
            flush_interval_s=_number(env, "LOWTIDE_FLUSH_INTERVAL", DEFAULT_FLUSH_INTERVAL_S),
            buffer_max_records=int(
                _number(env, "LOWTIDE_BUFFER_MAX_RECORDS", DEFAULT_BUFFER_MAX_RECORDS)
            ),
            spool_max_bytes=int(_number(env, "LOWTIDE_SPOOL_MAX_BYTES", DEFAULT_SPOOL_MAX_BYTES)),
            timeout_s=_number(env, "LOWTIDE_TIMEOUT", DEFAULT_TIMEOUT_S),
            finish_timeout_s=_number(env, "LOWTIDE_FINISH_TIMEOUT", DEFAULT_FINISH_TIMEOUT_S),
            system_interval_s=_number(
                env, "LOWTIDE_SYSTEM_INTERVAL", DEFAULT_SYSTEM_INTERVAL_S, allow_zero=True
            ),
        )


def _number(env: Mapping[str, str], name: str, default: float, allow_zero: bool = False) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a number") from None
    if value < 0 or (value == 0 and not allow_zero):
        raise ConfigError(f"{name}={raw!r} must be positive" + (" or 0" if allow_zero else ""))
    return value
