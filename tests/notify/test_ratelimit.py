"""Per-channel rate limits: the token bucket, merging what waits, pages never held for long."""

from __future__ import annotations

from lowtide.notify import RateLimit
from lowtide.notify.ratelimit import PAGE_COALESCE_S, ChannelGate, TokenBucket

PER_MINUTE = RateLimit(per_hour=60, burst=3)


def test_the_bucket_allows_a_burst_then_one_per_interval() -> None:
    bucket = TokenBucket(PER_MINUTE, now=0.0)
    assert [bucket.take(0.0) for _ in range(4)] == [True, True, True, False]
    assert bucket.next_token_at(0.0) == 60.0
    assert not bucket.take(59.0)
    assert bucket.take(60.0)
    # Refills never exceed the burst.
    assert [bucket.take(10_000.0) for _ in range(4)] == [True, True, True, False]


def test_messages_over_the_limit_wait_and_go_out_merged() -> None:
    gate: ChannelGate[str] = ChannelGate(PER_MINUTE, now=0.0)
    sent = []
    for i in range(6):
        gate.offer(f"m{i}", urgent=False)
        sent += gate.release(0.0)
    assert sent == [["m0"], ["m1"], ["m2"]]
    assert gate.release(30.0) == []
    assert gate.next_release_at(30.0) == 60.0
    assert gate.release(60.0) == [["m3", "m4", "m5"]]
    assert gate.next_release_at(60.0) is None


def test_pages_are_never_dropped_nor_held_long_but_are_coalesced() -> None:
    gate: ChannelGate[str] = ChannelGate(RateLimit(per_hour=1, burst=1), now=0.0)
    gate.offer("warn", urgent=False)
    assert gate.release(0.0) == [["warn"]]  # the only token
    gate.offer("p1", urgent=True)
    assert gate.release(1.0) == [["p1"]]  # at once, over the limit
    gate.offer("p2", urgent=True)
    gate.offer("p3", urgent=True)
    assert gate.release(10.0) == []
    assert gate.next_release_at(10.0) == 1.0 + PAGE_COALESCE_S
    assert gate.release(1.0 + PAGE_COALESCE_S) == [["p2", "p3"]]


def test_a_full_backlog_drops_the_oldest_non_page_first() -> None:
    gate: ChannelGate[str] = ChannelGate(RateLimit(per_hour=1, burst=1), now=0.0, backlog_limit=3)
    gate.release(0.0)
    assert gate.bucket.take(0.0)
    assert gate.offer("a", urgent=False) is None
    assert gate.offer("p", urgent=True) is None
    assert gate.offer("b", urgent=False) is None
    assert gate.offer("c", urgent=False) == "a"
    assert gate.offer("d", urgent=False) == "b"
    assert sorted(gate.clear()) == ["c", "d", "p"]
