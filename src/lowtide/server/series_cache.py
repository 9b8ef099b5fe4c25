"""Downsampled series kept for their next reader.

A chart drawn again (a page reloaded, a second viewer, a zoom back out) is
answered without reading the key's points again: for a million-point key that
read is most of the request. An answer is kept under what was asked and the
number of points the key held; points are only ever appended, so a key that
grew is a miss, and is read again.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

#: Answers kept; the least recently used go first. A downsampled answer holds at most
#: `MAX_DOWNSAMPLE_POINTS` points of three numbers, a few hundred KB at the very most,
#: and the page's usual 1,000 to 4,000 points some 100 KB.
SERIES_CACHE_ENTRIES = 128


class SeriesCache:
    """A thread-safe LRU of answers, filled by `get_or_make`."""

    def __init__(self, size: int = SERIES_CACHE_ENTRIES) -> None:
        self._size = size
        self._data: OrderedDict[Hashable, dict[str, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_make(self, key: Hashable, make: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        """The answer kept under `key`, or `make()`'s, kept for next time."""
        with self._lock:
            found = self._data.get(key)
            if found is not None:
                self._data.move_to_end(key)
                return found
        made = make()  # outside the lock: two readers of one miss may both read, rightly
        with self._lock:
            self._data[key] = made
            self._data.move_to_end(key)
            while len(self._data) > self._size:
                self._data.popitem(last=False)
        return made

    def __len__(self) -> int:
        return len(self._data)
