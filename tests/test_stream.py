"""OCI Streaming read with a consumer group: the real SDK, signed by the collector's resource principal,
against a loopback Streaming service that follows the documented contract (tests/support/streaming.py).
The group cursor is committed only after delivery; killed mid-batch and resumed, nothing is lost; two
consumers share one group without committing a message twice; a poison message is dead-lettered and its
partition goes on."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from werkzeug import Response

from tests.collect_world import BASE, World
from tests.conftest import clean_env, sample
from tests.support.oci_apis import audit_record
from tests.support.streaming import StreamingStandIn, stream_ocid

ROOT = Path(__file__).resolve().parents[1]
STREAM = stream_ocid("iad", "security")


def stand_in(world: World, monkeypatch, partitions: int = 4, **env) -> StreamingStandIn:
    streaming = StreamingStandIn(world.principal)
    streaming.add_stream(STREAM, partitions)
    settings = {
        **streaming.endpoints,
        "COLLECT_SOURCES": "stream",
        "COLLECT_STREAMS": STREAM,
        "COLLECT_STREAM_BATCH": "7",
        **env,
    }
    for key, value in settings.items():
        monkeypatch.setenv(key, value)
    world.env.update(settings)
    return streaming


def fill(world: World, streaming: StreamingStandIn, per_partition: int, tag: str = "") -> list[str]:
    """Audit log records (as a Connector Hub -> Stream route writes them) in every partition; their ids."""
    ids = []
    for partition in range(len(streaming.streams[STREAM])):
        values = []
        for k in range(per_partition):
            event_id = f"st{tag}-{partition}-{k}"
            record = audit_record(BASE, event_id, world.now - timedelta(minutes=1), "ocid1.compartment.oc1..aaaa")
            values.append(json.dumps(record))
            ids.append(event_id)
        streaming.put(STREAM, values, partition)
    return ids


def test_every_partition_is_read_and_the_cursor_committed_after_delivery(httpserver, tmp_path, monkeypatch):
    with World(httpserver, tmp_path, monkeypatch) as world, stand_in(world, monkeypatch) as streaming:
        ids = fill(world, streaming, 20)
        problem = sample("cloudguard-problemdetected-bucket-public-critical.json")  # an Events rule -> Stream
        anonymous = json.loads(json.dumps(problem))
        del anonymous["data"]["additionalDetails"]["tenantId"]
        anonymous["eventID"] = "anonymous"
        streaming.put(STREAM, [json.dumps(problem), json.dumps(anonymous)], 2)
        streaming.throttle = 3  # 429s: the calls slow down and go on (Retry-After)
        outcome = world.run(("stream",)).to_dict()
        assert outcome["ok"] and outcome["complete"], outcome
        assert outcome["throttled"] == 3
        assert set(world.siem.ids) == {*ids, problem["eventID"], "anonymous"} and not world.siem.duplicates()
        # a record says the tenancy its event names, as when Connector Hub pushes it; none is assumed the
        # collector's: an event naming no tenancy stays so
        named = {r["eventId"]: r["tenancyId"] for r in world.siem.records}
        assert named[problem["eventID"]] == problem["data"]["additionalDetails"]["tenantId"]
        assert named["anonymous"] is None
        assert streaming.committed(STREAM, "oci-forwarder") == [20, 20, 22, 20]
        entry = outcome["sources"]["stream"]["us-ashburn-1"]
        assert entry["events"] == 82 and entry["delivered"] == {"http": 82}
        assert not streaming.bad and not world.apis.bad  # every request signed by the collector's principal
        # each commit follows a delivered batch: at most COLLECT_STREAM_BATCH messages of one partition
        assert all(0 < end - start <= 7 for _, _, start, end in streaming.commits)
        again = world.run(("stream",)).to_dict()  # the group goes on where it was: nothing is sent twice
        assert again["ok"] and not world.siem.duplicates()
        assert again["sources"]["stream"]["us-ashburn-1"]["events"] == 0


def test_a_poison_message_is_dead_lettered_with_its_reason_and_the_partition_goes_on(httpserver, tmp_path, monkeypatch):
    with (
        World(httpserver, tmp_path, monkeypatch) as world,
        stand_in(world, monkeypatch, partitions=1, DEAD_LETTER_BUCKET="dead-letters") as streaming,
    ):
        good = fill(world, streaming, 3)
        streaming.put(STREAM, [b"\xff\xfe not json", "[1, 2"], 0)
        streaming.put(STREAM, [json.dumps(audit_record(BASE, "after", world.now, "ocid1.compartment.oc1..a"))], 0)
        outcome = world.run(("stream",)).to_dict()
        assert outcome["ok"], outcome
        assert set(world.siem.ids) == {*good, "after"}
        assert streaming.committed(STREAM, "oci-forwarder") == [6]
        kept = [
            json.loads(line)
            for name, body in world.bucket.objects.items()
            if name.startswith("dead-letter/")
            for line in body.splitlines()
        ]
        reasons = sorted(k["reason"] for k in kept)
        assert len(reasons) == 2 and all("message 0/" in r and "of stream" in r for r in reasons), reasons
        assert any("not UTF-8" in r for r in reasons) and any("not JSON" in r for r in reasons)


def test_an_undelivered_batch_is_not_committed_and_comes_again(httpserver, tmp_path, monkeypatch):
    with (
        World(httpserver, tmp_path, monkeypatch) as world,
        stand_in(world, monkeypatch, partitions=2, COLLECT_STREAM_TIMEOUT_SECONDS="1") as streaming,
    ):
        ids = fill(world, streaming, 10)
        monkeypatch.setenv("SIEM_HTTP_URL", "http://127.0.0.1:9/down")  # refused, and no dead-letter bucket
        outcome = world.run(("stream",), deadline=time.monotonic() + 15).to_dict()
        assert not outcome["ok"] and not world.siem.ids
        assert streaming.committed(STREAM, "oci-forwarder") == [0, 0]  # the cursor never moved
        time.sleep(1.2)  # the first run's instance times out (COLLECT_STREAM_TIMEOUT_SECONDS below)
        monkeypatch.setenv("SIEM_HTTP_URL", world.siem.url)
        outcome = world.run(("stream",)).to_dict()
        assert outcome["ok"] and set(world.siem.ids) == set(ids)
        assert streaming.committed(STREAM, "oci-forwarder") == [10, 10]


@pytest.fixture
def slow_siem(httpserver):
    """A webhook taking 0.6 s an answer, recording the event ids."""
    got: list[str] = []

    def handle(request):
        time.sleep(0.6)
        got.extend(r["eventId"] for r in json.loads(request.get_data()))
        return Response("{}", content_type="application/json")

    httpserver.expect_request("/slow", method="POST").respond_with_handler(handle)
    return httpserver.url_for("/slow"), got


def test_heartbeats_keep_the_partitions_while_a_slow_sink_is_waited_for(httpserver, tmp_path, monkeypatch, slow_siem):
    url, got = slow_siem
    with (
        World(httpserver, tmp_path, monkeypatch) as world,
        stand_in(world, monkeypatch, partitions=2, COLLECT_STREAM_TIMEOUT_SECONDS="1", SIEM_HTTP_URL=url) as streaming,
    ):
        ids = fill(world, streaming, 7)
        monkeypatch.setenv("COLLECT_STREAM_BATCH", "3")
        assert world.run(("stream",)).ok
        # delivering takes longer than the group's timeout: without heartbeats the partitions would be
        # given away and the commits refused
        assert streaming.calls.get("heartbeat", 0) >= 2 and streaming.stale_commits == 0
        assert sorted(got) == sorted(ids) and streaming.committed(STREAM, "oci-forwarder") == [7, 7]


def test_two_consumers_share_one_group_and_never_commit_a_message_twice(httpserver, tmp_path, monkeypatch):
    with World(httpserver, tmp_path, monkeypatch) as world, stand_in(world, monkeypatch) as streaming:
        streaming.delay = 0.01
        ids = fill(world, streaming, 60)
        outcomes = world.at_once(("stream",))
        assert all(o is not None and o.ok for o in outcomes)
        assert set(world.siem.ids) == set(ids)
        assert streaming.committed(STREAM, "oci-forwarder") == [60] * 4
        assert len({instance for instance, *_ in streaming.commits}) == 2  # both instances read
        for partition in range(4):  # each partition's commits follow one another, none overlapping
            ranges = sorted((start, end) for _, p, start, end in streaming.commits if p == partition)
            assert ranges[0][0] == 0 and all(a[1] == b[0] for a, b in zip(ranges, ranges[1:], strict=False))


def test_killed_mid_batch_and_resumed_nothing_is_lost(httpserver, tmp_path, monkeypatch, slow_siem):
    url, got = slow_siem
    with (
        World(httpserver, tmp_path, monkeypatch) as world,
        stand_in(world, monkeypatch, partitions=2, COLLECT_STREAM_TIMEOUT_SECONDS="1", SIEM_HTTP_URL=url) as streaming,
    ):
        ids = fill(world, streaming, 12)
        env = {**clean_env(), **world.env, "COLLECT_STREAM_BATCH": "4", "SIEM_HTTP_URL": url}
        command = [
            sys.executable,
            "-m",
            "forwarder",
            "collect",
            "--source",
            "stream",
            "--auth",
            "resource_principal",
        ]
        child = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while len(got) < 8 and time.monotonic() < deadline:  # two batches delivered, more in flight
            time.sleep(0.05)
        os.kill(child.pid, signal.SIGKILL)
        child.communicate(timeout=30)
        assert 0 < len(got) < len(ids)
        assert sum(streaming.committed(STREAM, "oci-forwarder")) < len(ids)
        time.sleep(1.2)  # the killed instance's reservations time out
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        assert set(got) == set(ids)  # at least once: the batch in flight may come twice, nothing is lost
        assert len(got) - len(ids) <= 4
        assert streaming.committed(STREAM, "oci-forwarder") == [12, 12]


def test_the_stream_source_needs_its_streams_named_as_ocids(monkeypatch):
    from forwarder.config import ConfigError
    from forwarder.settings import load_settings

    monkeypatch.setenv("COLLECT_SOURCES", "stream")
    with pytest.raises(ConfigError, match="COLLECT_STREAMS: the stream source needs"):
        load_settings()
    monkeypatch.setenv("COLLECT_STREAMS", "ocid1.stream.oc1.iad.aaaa,my-stream")
    monkeypatch.setenv("COLLECT_STREAM_START", "EARLIEST")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert "COLLECT_STREAMS: expected 'my-stream'" in str(caught.value)
    assert "COLLECT_STREAM_START: expected one of TRIM_HORIZON, LATEST" in str(caught.value)


def test_a_stream_only_collector_needs_no_checkpoint_bucket(monkeypatch):
    from forwarder.settings import load_settings
    from forwarder.tasks import TaskError, parse

    monkeypatch.setenv("COLLECT_SOURCES", "stream,audit")
    monkeypatch.setenv("COLLECT_STREAMS", STREAM)
    settings = load_settings()
    assert parse({"task": "collect", "sources": ["stream"]}, settings).sources == ("stream",)
    with pytest.raises(TaskError, match="CHECKPOINT_BUCKET is not set"):  # audit keeps checkpoint objects
        parse({"task": "collect"}, settings)
