"""Our token cache: hits never touch msal, refreshes start ahead of expiry, and at most
one exchange per key is in flight however many requests miss at once."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

from .imds import Token, TokenFailure

Key = tuple[str, str]  # (client_id, scope)
Fetch = Callable[[str, str], Awaitable[Token]]
Outcome = Literal["hit", "miss", "refresh"]

log = logging.getLogger("wi_proxy.cache")


@dataclass
class _Entry:
    token: Token
    refresh_at: float
    stale_at: float
    retry_at: float = 0.0


class TokenCache:
    """Cache keyed by (client_id, scope).

    A token is served until `min_remaining` before it expires (at most a quarter of its
    lifetime); from `refresh_ahead` before expiry (at most half its lifetime) each hit
    also starts a background refresh, retried no more than every `retry_interval`.
    """

    def __init__(
        self,
        fetch: Fetch,
        *,
        clock: Callable[[], float] = time.time,
        refresh_ahead: float = 600.0,
        min_remaining: float = 60.0,
        retry_interval: float = 5.0,
        max_entries: int = 1024,
    ) -> None:
        self._fetch = fetch
        self._clock = clock
        self._refresh_ahead = refresh_ahead
        self._min_remaining = min_remaining
        self._retry_interval = retry_interval
        self._max_entries = max_entries
        self._entries: dict[Key, _Entry] = {}
        self._inflight: dict[Key, asyncio.Future[Token]] = {}

    def peek(self, client_id: str, scope: str) -> tuple[Token, Outcome] | None:
        """A usable cached token without waiting (starting a refresh if one is due)."""
        key = (client_id, scope)
        entry = self._entries.get(key)
        if entry is None:
            return None
        now = self._clock()
        if now >= entry.stale_at:
            return None
        if now >= entry.refresh_at and now >= entry.retry_at:
            entry.retry_at = now + self._retry_interval
            self._flight(key).add_done_callback(_note_refresh_failure)
            return entry.token, "refresh"
        return entry.token, "hit"

    async def get(self, client_id: str, scope: str) -> tuple[Token, Outcome]:
        cached = self.peek(client_id, scope)
        if cached is not None:
            return cached
        # The shield keeps one caller's disconnect from cancelling everyone's exchange.
        return await asyncio.shield(self._flight((client_id, scope))), "miss"

    def _flight(self, key: Key) -> asyncio.Future[Token]:
        flight = self._inflight.get(key)
        if flight is None or flight.done():  # a done one waits for its callback to leave
            flight = asyncio.ensure_future(self._fetch_and_keep(key))
            self._inflight[key] = flight
            flight.add_done_callback(lambda done: self._landed(key, done))
        return flight

    def _landed(self, key: Key, flight: asyncio.Future[Token]) -> None:
        if self._inflight.get(key) is flight:
            del self._inflight[key]
        if not flight.cancelled():
            flight.exception()  # retrieved here: every waiter may have gone

    async def _fetch_and_keep(self, key: Key) -> Token:
        token = await self._fetch(*key)
        self._keep(key, token, self._clock())
        return token

    def _keep(self, key: Key, token: Token, now: float) -> None:
        lifetime = max(0.0, token.expires_on - now)
        self._entries.pop(key, None)
        self._entries[key] = _Entry(
            token,
            refresh_at=token.expires_on - min(self._refresh_ahead, lifetime / 2),
            stale_at=token.expires_on - min(self._min_remaining, lifetime / 4),
        )
        if len(self._entries) > self._max_entries:
            self._evict(now)

    def _evict(self, now: float) -> None:
        for key in [k for k, e in self._entries.items() if e.stale_at <= now]:
            del self._entries[key]
        while len(self._entries) > self._max_entries:
            del self._entries[next(iter(self._entries))]

    def __len__(self) -> int:
        return len(self._entries)


def _note_refresh_failure(flight: asyncio.Future[Token]) -> None:
    if flight.cancelled():
        return
    error = flight.exception()
    if error is not None:
        code = error.error if isinstance(error, TokenFailure) else type(error).__name__
        log.warning("background refresh failed", extra={"fields": {"error": code}})
