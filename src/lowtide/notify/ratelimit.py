"""Per-channel rate limits: a token bucket, and a gate that merges what it holds back.

Pure, on an injected clock. What a channel may not send yet waits in its
gate and goes out merged into one message when the channel may send again,
so a flood becomes one message rather than a lost tail.

Pages are never dropped or delayed for want of a token: when the bucket is
empty, a page goes out at once on the page allowance, and the pages that
follow within `PAGE_COALESCE_S` are merged into one message at the end of
that window. A storm of pages thus costs at most one message a minute
beyond the rate limit, and the first page of a storm is never late.
"""

from __future__ import annotations

import math
from typing import Generic, TypeVar

from lowtide.notify.config import RateLimit

#: Seconds during which pages over the rate limit are merged into one message.
PAGE_COALESCE_S = 60.0
#: Messages a gate holds back at most; past it the oldest non-page is dropped (and
#: recorded), since the merged message could not show them all anyway.
BACKLOG_LIMIT = 200
#: Seconds in an hour, for rates given per hour.
HOUR_S = 3600.0

T = TypeVar("T")


class TokenBucket:
    """`burst` tokens to start with, refilled at `per_hour` tokens an hour."""

    def __init__(self, limit: RateLimit, now: float) -> None:
        self.capacity = float(limit.burst)
        self.rate = limit.per_hour / HOUR_S
        self.tokens = self.capacity
        self.updated = now

    def _refill(self, now: float) -> None:
        if now > self.updated:
            self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
            self.updated = now

    def take(self, now: float) -> bool:
        """Spend a token if one is there."""
        self._refill(now)
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False

    def next_token_at(self, now: float) -> float:
        """When a token will be there (`now` if one is)."""
        self._refill(now)
        if self.tokens >= 1:
            return now
        return now + (1 - self.tokens) / self.rate


class ChannelGate(Generic[T]):
    """What one channel may send now, merged into groups; each group is one message."""

    def __init__(
        self,
        limit: RateLimit,
        now: float,
        page_coalesce_s: float = PAGE_COALESCE_S,
        backlog_limit: int = BACKLOG_LIMIT,
    ) -> None:
        self.bucket = TokenBucket(limit, now)
        self.page_coalesce_s = page_coalesce_s
        self.backlog_limit = backlog_limit
        self._pages: list[T] = []
        self._others: list[T] = []
        self._last_overflow = -math.inf

    def __len__(self) -> int:
        return len(self._pages) + len(self._others)

    def offer(self, item: T, urgent: bool) -> T | None:
        """Queue an item; returns one dropped to make room (the oldest non-page), if any."""
        (self._pages if urgent else self._others).append(item)
        if len(self) <= self.backlog_limit:
            return None
        return self._others.pop(0) if self._others else self._pages.pop(0)

    def release(self, now: float) -> list[list[T]]:
        """The groups to send now, pages first; each group spends one token."""
        groups: list[list[T]] = []
        if self._pages:
            if self.bucket.take(now):
                groups.append(self._pages)
                self._pages = []
            elif now >= self._last_overflow + self.page_coalesce_s:
                groups.append(self._pages)
                self._pages = []
                self._last_overflow = now
        if self._others and self.bucket.take(now):
            groups.append(self._others)
            self._others = []
        return groups

    def next_release_at(self, now: float) -> float | None:
        """When `release` will have something to give; None when nothing waits."""
        due = math.inf
        if self._pages:
            due = min(self.bucket.next_token_at(now), self._last_overflow + self.page_coalesce_s)
        if self._others:
            due = min(due, self.bucket.next_token_at(now))
        return None if due == math.inf else max(due, now)

    def clear(self) -> list[T]:
        """Everything held back, emptied out (on shutdown)."""
        items = self._pages + self._others
        self._pages, self._others = [], []
        return items
