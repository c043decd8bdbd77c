"""Shared fixtures: sample events, a real rsyslogd, and real fdk servers (one per configuration)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.fdk_server import FunctionServer
from tests.support.rsyslog import Rsyslog, start_rsyslog

DATA = Path(__file__).parent / "data"


def sample_bytes(name: str) -> bytes:
    return (DATA / name).read_bytes()


def clean_env() -> dict[str, str]:
    """This process's environment without any forwarder configuration key (for child processes)."""
    from forwarder.settings.keys import PREFIXES

    return {k: v for k, v in os.environ.items() if not k.startswith(PREFIXES)}


def sample(name: str):
    return json.loads(sample_bytes(name))


def events_of(body: bytes) -> list[dict]:
    """The raw events of a body, as the pipeline reads them (fails on any part that is not an event)."""
    from forwarder.sources import Reject, read_body

    items = list(read_body(body))
    assert not [i for i in items if isinstance(i, Reject)], items
    return items


def numbered_batch(
    n: int, source: str = "cloudguard-problemdetected-bucket-public-critical.json", prefix: str = "ev"
) -> bytes:
    """A JSON array of `n` copies of a sample event with ids `<prefix>-0` .. `<prefix>-<n-1>`."""
    base = sample(source)
    base = base[0] if isinstance(base, list) else base  # the Connector Hub sample is a batch of one
    events = []
    for i in range(n):
        event = json.loads(json.dumps(base))
        event["eventID" if "eventID" in event or "id" not in event else "id"] = f"{prefix}-{i}"
        events.append(event)
    return json.dumps(events).encode()


@pytest.fixture
def storage(httpserver, tmp_path, monkeypatch):
    """A loopback Object Storage stand-in as the dead-letter bucket, with a resource principal."""
    from tests.support.oci import ObjectStorageStandIn, resource_principal

    principal = resource_principal(tmp_path)
    for name, value in principal.env.items():
        monkeypatch.setenv(name, value)
    stand_in = ObjectStorageStandIn(httpserver, principal)
    monkeypatch.setenv("DEAD_LETTER_BUCKET", stand_in.bucket)
    monkeypatch.setenv("OCI_OBJECTSTORAGE_ENDPOINT", stand_in.endpoint)
    return stand_in


@pytest.fixture(scope="session")
def rsyslog(tmp_path_factory) -> Iterator[Rsyslog]:
    server = start_rsyslog(tmp_path_factory.mktemp("rsyslog"))
    yield server
    server.stop()


@pytest.fixture
def receiver(rsyslog: Rsyslog) -> Rsyslog:
    """The session's rsyslogd with nothing received yet."""
    rsyslog.clear()
    return rsyslog


@pytest.fixture
def function_server(tmp_path) -> Iterator:
    """Factory: function_server(config) starts a real fdk server (a fresh container) with that config."""
    servers: list[FunctionServer] = []

    def start(config: dict[str, str], extra_env: dict[str, str] | None = None) -> FunctionServer:
        server = FunctionServer(tmp_path / f"fn{len(servers)}", config, extra_env)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture(autouse=True)
def clean_config(monkeypatch):
    """Tests start from no configuration and a fresh container (no cached Forwarder)."""
    from forwarder import handler
    from forwarder.oci import auth as oci_auth
    from forwarder.settings import KEY_NAMES

    for key in KEY_NAMES:
        monkeypatch.delenv(key, raising=False)
    # No name lookups unless a test asks for them (tests/test_enrich.py, the demo): other tests' OCI
    # stand-ins count their calls, and a principal without an identity endpoint would reach for the internet.
    monkeypatch.setenv("ENRICH_NAMES", "false")
    handler.reset()
    oci_auth.reset()
    yield
    handler.reset()
    oci_auth.reset()


@pytest.fixture
def redis_server(tmp_path) -> Iterator:
    """A fresh real redis-server on a loopback port, stopped after the test."""
    from tests.support.redis_server import RedisServer

    server = RedisServer(tmp_path / "redis")
    yield server
    server.stop()
