"""The files of a source: one local file, the matching files of a folder, or one URL.

URLs are read with the standard library, with a timeout and a size limit;
the canonical place of each source is the raw file in its repository.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from urllib.parse import urlparse

from lowtide import __version__
from lowtide.errors import SourceError

#: Seconds to wait for a source's server.
FETCH_TIMEOUT_S = 30.0
#: Largest file read from a URL (the biggest source file is well under 1 MiB).
MAX_FETCH_BYTES = 20 * 1024 * 1024


def is_url(location: str) -> bool:
    return location.startswith(("http://", "https://"))


def gather(
    location: str, patterns: Sequence[str], skip: Sequence[str] = ()
) -> list[tuple[str, bytes]]:
    """(name, content) of each file: a URL, a file, or a folder's files matching `patterns`.

    Names are the URL, the file's name, or the path under the folder, for warnings.
    """
    if is_url(location):
        return [(location, fetch(location))]
    path = Path(location).expanduser()
    if path.is_file():
        return [(path.name, _read(path))]
    if not path.is_dir():
        raise SourceError(f"no file or folder at {location}")
    matching = {p for pattern in patterns for p in path.glob(pattern)}
    found = sorted(p for p in matching if p.is_file() and p.name not in skip)
    if not found:
        raise SourceError(f"{location} has no files matching {', '.join(patterns)}")
    return [(p.relative_to(path).as_posix(), _read(p)) for p in found]


def fetch(url: str) -> bytes:
    """The body of a URL; SourceError when it cannot be had."""
    request = urllib.request.Request(url, headers={"User-Agent": f"lowtide/{__version__}"})
    try:
        with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT_S) as response:
            body: bytes = response.read(MAX_FETCH_BYTES + 1)
    except urllib.error.HTTPError as exc:
        raise SourceError(f"{url} answered {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise SourceError(f"cannot fetch {url}: {reason}") from None
    if len(body) > MAX_FETCH_BYTES:
        raise SourceError(f"{url} is over {MAX_FETCH_BYTES // (1024 * 1024)} MiB")
    return body


def url_name(url: str) -> str:
    """The file name a URL ends in."""
    return PurePosixPath(urlparse(url).path).name


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise SourceError(f"cannot read {path}: {exc.strerror}") from None
