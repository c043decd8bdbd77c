"""Names by OCID, kept per container with a TTL and, when given a Redis client, in Redis (shared by every
container and the collector). Redis is a cache: when it fails, the container's own memory serves alone."""

from __future__ import annotations

import logging
import time
from typing import Any

from forwarder import jsoncodec

log = logging.getLogger("forwarder")

#: Redis key of an OCID's entry.
PREFIX = "oci-forwarder:name:"
#: Seconds Redis is left alone after a failure.
PAUSE = 30.0


class NameCache:
    """OCID -> entry (a small JSON object: `{"name": ...}`, plus `parent`, `email`, `groups` by kind).

    Args:
        ttl: seconds an entry is kept.
        redis: a `redis.Redis` client, or None.
        clock: `time.monotonic` (tests pass their own).
    """

    def __init__(self, ttl: float, redis: Any = None, clock=time.monotonic):
        self.ttl = ttl
        self.redis = redis
        self._clock = clock
        self._memory: dict[str, tuple[float, dict]] = {}
        self._redis_down_until = 0.0
        self.warning: str | None = None  #: why Redis was not used in the last call, or None

    def get_many(self, ocids: list[str]) -> dict[str, dict]:
        """The entries known for `ocids` (memory first, then Redis in one MGET)."""
        now, found, missing = self._clock(), {}, []
        for ocid in ocids:
            held = self._memory.get(ocid)
            if held is not None and held[0] > now:
                found[ocid] = held[1]
            else:
                missing.append(ocid)
        if missing and self._redis_up():
            try:
                values = self.redis.mget([PREFIX + ocid for ocid in missing])
            except Exception as exc:  # redis errors, OSError
                self._redis_failed(exc)
            else:
                for ocid, raw in zip(missing, values, strict=True):
                    if raw is not None:
                        entry = jsoncodec.loads(raw)
                        found[ocid] = entry
                        self._memory[ocid] = (now + self.ttl, entry)
        return found

    def put_many(self, entries: dict[str, dict]) -> None:
        """Keep `entries` (OCID -> entry) in memory and in Redis."""
        expires = self._clock() + self.ttl
        for ocid, entry in entries.items():
            self._memory[ocid] = (expires, entry)
        if entries and self._redis_up():
            try:
                pipe = self.redis.pipeline(transaction=False)
                for ocid, entry in entries.items():
                    pipe.set(PREFIX + ocid, jsoncodec.encode(entry), ex=int(self.ttl))
                pipe.execute()
            except Exception as exc:
                self._redis_failed(exc)

    def _redis_up(self) -> bool:
        return self.redis is not None and self._clock() >= self._redis_down_until

    def _redis_failed(self, exc: BaseException) -> None:
        self._redis_down_until = self._clock() + PAUSE
        self.warning = f"names cached per container only: Redis failed ({type(exc).__name__}: {exc})"
        log.warning("enrichment: %s", self.warning)
