"""Our token cache on a real event loop with a hand-driven clock: hits, single-flight,
refresh ahead of expiry, failures."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

import pytest

from sidecar.cache import TokenCache
from sidecar.imds import Token, TokenFailure


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


class Exchange:
    """Counts fetches; each waits on `gate` so tests decide when Entra 'answers'."""

    def __init__(self, clock: Clock, lifetime: float = 3600) -> None:
        self.clock = clock
        self.lifetime = lifetime
        self.calls: list[tuple[str, str]] = []
        self.gate = asyncio.Event()
        self.gate.set()
        self.fail: Exception | None = None

    async def __call__(self, client_id: str, scope: str) -> Token:
        self.calls.append((client_id, scope))
        await self.gate.wait()
        if self.fail is not None:
            raise self.fail
        n = len(self.calls)
        expires = self.clock.now + self.lifetime
        return Token(f"t{n}", expires_on=expires, ext_expires_on=expires, not_before=self.clock.now)


def run(coroutine: Coroutine[Any, Any, Any]) -> Any:
    return asyncio.run(coroutine)


def test_hundred_concurrent_misses_make_one_exchange() -> None:
    async def scenario() -> None:
        clock = Clock()
        exchange = Exchange(clock)
        exchange.gate.clear()
        cache = TokenCache(exchange, clock=clock)
        waiters = [asyncio.create_task(cache.get("c", "s")) for _ in range(100)]
        await asyncio.sleep(0.01)
        exchange.gate.set()
        results = await asyncio.gather(*waiters)
        assert len(exchange.calls) == 1
        assert {(t.access_token, outcome) for t, outcome in results} == {("t1", "miss")}
        token, outcome = await cache.get("c", "s")
        assert (token.access_token, outcome, len(exchange.calls)) == ("t1", "hit", 1)

    run(scenario())


def test_keys_are_client_and_scope() -> None:
    async def scenario() -> None:
        clock = Clock()
        exchange = Exchange(clock)
        cache = TokenCache(exchange, clock=clock)
        for key in [("a", "s1"), ("a", "s2"), ("b", "s1"), ("a", "s1"), ("b", "s1")]:
            await cache.get(*key)
        assert exchange.calls == [("a", "s1"), ("a", "s2"), ("b", "s1")]
        assert len(cache) == 3

    run(scenario())


def test_refresh_ahead_serves_the_old_token_while_one_refresh_runs() -> None:
    async def scenario() -> None:
        clock = Clock()
        exchange = Exchange(clock, lifetime=3600)
        cache = TokenCache(exchange, clock=clock, refresh_ahead=600, min_remaining=60)
        await cache.get("c", "s")
        clock.now += 2999  # 601 s left: still a plain hit
        assert (await cache.get("c", "s"))[1] == "hit"
        clock.now += 2  # 599 s left: refresh ahead
        exchange.gate.clear()
        results = [await cache.get("c", "s") for _ in range(20)]
        await asyncio.sleep(0)
        assert [t.access_token for t, _ in results] == ["t1"] * 20
        assert results[0][1] == "refresh"
        assert len(exchange.calls) == 2
        exchange.gate.set()
        await asyncio.sleep(0.01)
        token, outcome = await cache.get("c", "s")
        assert (token.access_token, outcome) == ("t2", "hit")

    run(scenario())


def test_short_lived_tokens_refresh_at_half_life() -> None:
    async def scenario() -> None:
        clock = Clock()
        exchange = Exchange(clock, lifetime=100)
        cache = TokenCache(exchange, clock=clock, refresh_ahead=600, min_remaining=60)
        await cache.get("c", "s")
        clock.now += 49
        assert (await cache.get("c", "s"))[1] == "hit"
        clock.now += 2
        assert (await cache.get("c", "s"))[1] == "refresh"

    run(scenario())


def test_nearly_expired_token_is_a_miss() -> None:
    async def scenario() -> None:
        clock = Clock()
        exchange = Exchange(clock)
        cache = TokenCache(exchange, clock=clock, min_remaining=60, retry_interval=5)
        await cache.get("c", "s")
        exchange.fail = TokenFailure("unavailable", "entra_unavailable", "down")
        clock.now += 3600 - 61
        assert (await cache.get("c", "s"))[0].access_token == "t1"  # refresh fails quietly
        await asyncio.sleep(0)
        clock.now += 2  # 59 s left: not served any more
        with pytest.raises(TokenFailure):
            await cache.get("c", "s")
        exchange.fail = None
        token, outcome = await cache.get("c", "s")
        assert (token.access_token, outcome) == ("t4", "miss")

    run(scenario())


def test_failed_background_refresh_is_retried_after_the_interval() -> None:
    async def scenario() -> None:
        clock = Clock()
        exchange = Exchange(clock)
        cache = TokenCache(exchange, clock=clock, refresh_ahead=600, retry_interval=5)
        await cache.get("c", "s")
        exchange.fail = TokenFailure("unavailable", "entra_unavailable", "down")
        clock.now += 3100
        for _ in range(10):
            assert (await cache.get("c", "s"))[0].access_token == "t1"
            await asyncio.sleep(0)
        assert len(exchange.calls) == 2
        clock.now += 5
        await cache.get("c", "s")
        await asyncio.sleep(0)
        assert len(exchange.calls) == 3

    run(scenario())


def test_a_failure_reaches_every_waiter_and_is_not_cached() -> None:
    async def scenario() -> None:
        clock = Clock()
        exchange = Exchange(clock)
        exchange.gate.clear()
        exchange.fail = TokenFailure("rejected", "invalid_client", "AADSTS70021: no match")
        cache = TokenCache(exchange, clock=clock)
        waiters = [asyncio.create_task(cache.get("c", "s")) for _ in range(10)]
        await asyncio.sleep(0.01)
        exchange.gate.set()
        results = await asyncio.gather(*waiters, return_exceptions=True)
        assert all(isinstance(r, TokenFailure) and r.kind == "rejected" for r in results)
        assert len(exchange.calls) == 1
        exchange.fail = None
        assert (await cache.get("c", "s"))[0].access_token == "t2"

    run(scenario())


def test_a_cancelled_waiter_does_not_cancel_the_exchange() -> None:
    async def scenario() -> None:
        clock = Clock()
        exchange = Exchange(clock)
        exchange.gate.clear()
        cache = TokenCache(exchange, clock=clock)
        first = asyncio.create_task(cache.get("c", "s"))
        second = asyncio.create_task(cache.get("c", "s"))
        await asyncio.sleep(0.01)
        first.cancel()
        exchange.gate.set()
        token, _ = await second
        assert token.access_token == "t1" and first.cancelled()
        assert len(exchange.calls) == 1

    run(scenario())


def test_entries_are_bounded() -> None:
    async def scenario() -> None:
        clock = Clock()
        cache = TokenCache(Exchange(clock), clock=clock, max_entries=3)
        for n in range(10):
            await cache.get("c", f"s{n}")
        assert len(cache) == 3

    run(scenario())
