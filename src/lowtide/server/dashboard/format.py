"""How numbers and times read on the pages: short, rounded, in words."""

from __future__ import annotations

import math
import time
from datetime import UTC, date, datetime

#: Significant digits of a metric value shown in tables.
VALUE_DIGITS = 4
#: Shown where there is no value (an en dash), and the sign of negative infinity.
MISSING = "\u2013"
MINUS = "\u2212"


def value(x: float | str | None) -> str:
    """A metric value with a few significant digits; NaN and infinities by name."""
    if x is None:
        return MISSING
    if isinstance(x, str):
        return x
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "∞" if x > 0 else MINUS + "∞"
    if x != 0 and (abs(x) >= 1e6 or abs(x) < 1e-3):
        return f"{x:.{VALUE_DIGITS - 1}e}"
    return f"{x:.{VALUE_DIGITS}g}"


def duration(seconds: float | None) -> str:
    """`45 s`, `12 min`, `3 h 20 min`, `2 d 4 h`."""
    if seconds is None or not math.isfinite(seconds):
        return MISSING
    s = max(0, round(seconds))
    if s < 60:
        return f"{s} s"
    minutes = s // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def ago(at: float | None, now: float | None = None) -> str:
    """How long ago a Unix time was: `just now`, `5 min ago`."""
    if at is None:
        return MISSING
    gone = (time.time() if now is None else now) - at
    if gone < 10:
        return "just now"
    return f"{duration(gone)} ago"


def iso(at: float | None) -> str:
    """A Unix time as ISO 8601 in UTC, for `<time datetime=...>`."""
    if at is None:
        return ""
    return datetime.fromtimestamp(at, UTC).isoformat(timespec="seconds")


def hours(x: float | None) -> str:
    """Hours rounded to the hour: `12 h`; an en dash for none."""
    if x is None or not math.isfinite(x):
        return MISSING
    return f"{round(x) + 0:.0f} h"  # + 0: no "-0 h"


def day(d: date | None) -> str:
    """A date as `Mon 12 May`, the year added when it is not this one."""
    if d is None:
        return MISSING
    if d.year != datetime.now(UTC).year:
        return d.strftime("%a %d %b %Y")
    return d.strftime("%a %d %b")


def unix_day(at: float | None) -> str:
    """A Unix time as the local day and hour: `Mon 12 May 14:00`."""
    if at is None:
        return MISSING
    return datetime.fromtimestamp(at).strftime("%a %d %b %H:%M")


def link(url: str | None) -> str:
    """A web address safe for `href`: http(s) only, else empty (never `javascript:`)."""
    if not url:
        return ""
    text = url.strip()
    return text if text.lower().startswith(("https://", "http://")) else ""
