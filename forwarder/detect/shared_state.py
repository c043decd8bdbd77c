"""Correlation windows in Redis (`DETECTION_STATE_URL`; OCI Cache with Redis in production, TLS and auth),
falling back to per-container memory while Redis cannot be reached.

The algorithm of `forwarder.detect.state` as one Lua script per rule and group (`EVAL` runs atomically,
so two containers adding events of one window at once fire it once); the groups of a batch go in one
pipelined round trip. A group's keys share a hash tag, so the script also runs on a Redis cluster.
"""

from __future__ import annotations

import logging
import time

from forwarder.detect.state import HORIZON, Member, MemoryState, Window

log = logging.getLogger("forwarder")

#: After a Redis failure, how long (s) windows stay in memory before Redis is tried again.
RETRY_SECONDS = 30.0
#: Connect and read timeout of each Redis call (s): detection never holds delivery back for long.
TIMEOUT = 2.0

_SCRIPT = """
local zkey, mkey = KEYS[1], KEYS[2]
local span = tonumber(ARGV[1]) * 1000
local horizon = tonumber(ARGV[2]) * 1000
local op, count, distinct, ttl = ARGV[3], tonumber(ARGV[4]), ARGV[5] == '1', tonumber(ARGV[6])
local ordered = ARGV[7] == '1'
local function value_of(m)  -- a member is `<event id><unit separator, 31><value>`
  local sep = string.find(m, '\\031', 1, true)
  return sep and string.sub(m, sep + 1) or ''
end
local meta = redis.call('HMGET', mkey, 'until', 'newest')
local untilv = tonumber(meta[1]) or -4e18
local newest = tonumber(meta[2]) or -4e18
for i = 8, #ARGV, 2 do
  local t = tonumber(ARGV[i])
  if t > untilv then
    local keep = true
    if distinct then  -- one event per value and time: more change no distinct count
      local v, at = value_of(ARGV[i + 1]), string.format('%.0f', t)
      for _, m in ipairs(redis.call('ZRANGEBYSCORE', zkey, at, at)) do
        if value_of(m) == v then keep = false break end
      end
    end
    if keep then redis.call('ZADD', zkey, 'NX', t, ARGV[i + 1]) end
    if t > newest then newest = t end
  end
end
redis.call('ZREMRANGEBYSCORE', zkey, '-inf', '(' .. string.format('%.0f', newest - span - horizon))
local raw = redis.call('ZRANGE', zkey, 0, -1, 'WITHSCORES')
local times, members, values = {}, {}, {}
for i = 1, #raw, 2 do
  local m = raw[i]
  members[#members + 1] = m
  times[#times + 1] = tonumber(raw[i + 1])
  values[#values + 1] = value_of(m)
end
local fired, start, n = {}, 1, #members
while start <= n do
  local found, stop, seen, distinctn = nil, start, {}, 0
  for i = start, n do
    local limit = times[i] + span
    while stop <= n and times[stop] <= limit do
      local v = values[stop]
      seen[v] = (seen[v] or 0) + 1
      if seen[v] == 1 then distinctn = distinctn + 1 end
      stop = stop + 1
    end
    local c = stop - i
    if distinct then c = distinctn end
    local holds = (op == 'gte' and c >= count) or (op == 'gt' and c > count)
    if holds and ordered then
      local want = 0
      holds = false
      for j = i, stop - 1 do
        if values[j] == tostring(want) then
          want = want + 1
          if want == count then holds = true break end
        end
      end
    end
    if holds then
      found = i
      break
    end
    local v = values[i]
    seen[v] = seen[v] - 1
    if seen[v] == 0 then distinctn = distinctn - 1 end
  end
  if not found then break end
  local window = {}
  for j = found, stop - 1 do
    window[#window + 1] = members[j]
    window[#window + 1] = string.format('%.0f', times[j])
  end
  fired[#fired + 1] = window
  untilv = times[found] + span
  start = stop
end
if start > 1 then redis.call('ZREMRANGEBYRANK', zkey, 0, start - 2) end
redis.call('HSET', mkey, 'until', string.format('%.0f', untilv), 'newest', string.format('%.0f', newest))
redis.call('PEXPIRE', zkey, ttl)
redis.call('PEXPIRE', mkey, ttl)
return fired
"""


class RedisState:
    """Windows in Redis, with `MemoryState` as the fallback while Redis is down.

    Args:
        url: `redis://host:port[/db]` or `rediss://...` (TLS: certificate and host name verified).
        password: the AUTH password (from Vault).
        ca_cert: a CA bundle (path or PEM text) for `rediss://`; default the system trust store.
        prefix: key prefix; keys are `<prefix>{<rule id>:<group digest>}:z|m`.
    Attributes:
        warning: why detection ran on per-container memory in the last `add_many`, or None.
    """

    def __init__(
        self, url: str, password: str | None = None, ca_cert: str | None = None, prefix: str = "oci-forwarder:window:"
    ):
        import redis  # only when DETECTION_STATE_URL is set

        self._errors = (redis.exceptions.RedisError, OSError)
        self._client = self.client = connect(url, password, ca_cert)
        self._script = self._client.register_script(_SCRIPT)
        self._prefix = prefix
        self._memory = MemoryState()
        self._down_until = 0.0
        self.name = "redis"
        self.warning: str | None = None

    def ping(self) -> None:
        """AUTH (on connect) and one PING round trip (`doctor`).

        Raises:
            redis.exceptions.RedisError, OSError: as the client raises them (AuthenticationError: refused).
        """
        self._client.ping()

    def add_many(self, entries: list[tuple[str, Window, list[Member]]]) -> list[list[list[Member]]]:
        """Add each group's members; per entry, the windows that fired. Never raises for Redis errors."""
        self.warning = None
        if time.monotonic() < self._down_until:
            self.warning = "detection state in per-container memory: Redis was unreachable (retried every 30 s)"
            return self._memory.add_many(entries)
        try:
            pipe = self._client.pipeline(transaction=False)
            for key, window, members in entries:
                args: list[object] = [
                    window.span,
                    HORIZON,
                    window.op,
                    window.count,
                    int(window.distinct),
                    (window.span + HORIZON) * 1000,
                    int(window.ordered),
                ]
                for m in members:
                    args += [m.time, f"{m.event_id}\x1f{m.value}"]
                tag = "{" + key + "}"
                self._script(keys=[f"{self._prefix}{tag}:z", f"{self._prefix}{tag}:m"], args=args, client=pipe)
            results = pipe.execute()
        except self._errors as exc:
            self._down_until = time.monotonic() + RETRY_SECONDS
            self.warning = f"detection state in per-container memory: Redis failed ({type(exc).__name__}: {exc})"
            log.warning("%s", self.warning)
            return self._memory.add_many(entries)
        return [[_members(window) for window in fired] for fired in results]

    def close(self) -> None:
        self._client.close()


def connect(url: str, password: str | None = None, ca_cert: str | None = None):
    """A `redis.Redis` client of DETECTION_STATE_URL (no connection until the first command): TIMEOUT
    seconds per operation, no retries; `rediss://` verifies the certificate and host name (the system
    store, or `ca_cert`: a path or PEM text). Shared by the windows and enrichment's name cache."""
    import redis

    tls = {}
    if url.startswith("rediss://"):
        tls = {"ssl_cert_reqs": "required", "ssl_check_hostname": True}
        if ca_cert:
            tls["ssl_ca_data" if ca_cert.lstrip().startswith("-----BEGIN") else "ssl_ca_certs"] = ca_cert
    return redis.Redis.from_url(
        url,
        password=password,
        socket_timeout=TIMEOUT,
        socket_connect_timeout=TIMEOUT,
        retry_on_timeout=False,
        **tls,
    )


def _members(flat: list) -> list[Member]:
    out = []
    for i in range(0, len(flat), 2):
        member = flat[i].decode() if isinstance(flat[i], bytes) else flat[i]
        event_id, _, value = member.partition("\x1f")
        out.append(Member(int(flat[i + 1]), event_id, value))
    return out
