"""The pull side against the real OCI SDK and loopback stand-ins (tests/support/oci_apis.py): every
region and compartment, paging, throttling, failures, checkpoints with If-Match, late events, backfill."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from tests.collect_world import COMPARTMENTS, World
from tests.support.oci import TENANCY


@pytest.fixture(params=["search", "list-events"])
def world(request, httpserver, tmp_path, monkeypatch):
    with World(httpserver, tmp_path, monkeypatch, method=request.param) as w:
        yield w


@pytest.fixture
def search_world(httpserver, tmp_path, monkeypatch):
    with World(httpserver, tmp_path, monkeypatch) as w:
        yield w


def test_every_region_and_compartment_once_then_only_repeats(world):
    ids = world.fill(per_scope=10)  # 3 regions x 5 compartments x 10: ListEvents pages of 7, 2 compartments a page
    report = world.run().to_dict()
    assert report["ok"] and report["complete"], report
    assert set(world.siem.ids) == set(ids) and not world.siem.duplicates()
    assert report["delivery"]["delivered"] == {"http": 150}
    assert sorted(report["sources"]["audit"]) == sorted(world.apis.regions)
    assert not world.apis.bad  # signatures good, ListEvents times whole minutes
    shards = 3 if world.env["COLLECT_AUDIT_METHOD"] == "search" else 15
    assert report["shards"] == {"total": shards, "done": shards, "failed": 0, "skipped": 0, "deferred": 0}
    assert len(world.checkpoints()) == shards
    if shards == 15:
        assert sorted(world.checkpoints())[0].startswith("checkpoints/audit/ap-tokyo-1/ocid1.compartment")
        assert report["apiCalls"] == 1 + 1 + 2 + 15 * 2  # name, subscriptions, 2 compartment pages, 2 pages a shard

    again = world.run().to_dict()  # the next run overlaps by the lag: everything is a repeat
    assert again["ok"] and sum(r["repeats"] for r in again["sources"]["audit"].values()) == 150
    assert again["delivery"]["received"] == 0 and not world.siem.duplicates()


def test_a_429_storm_slows_the_run_down_but_loses_nothing(world):
    ids = world.fill(per_scope=3)
    world.apis.throttle = 9
    report = world.run().to_dict()
    assert report["ok"], report
    assert report["throttled"] == 9 and set(world.siem.ids) == set(ids)


def test_a_compartment_answering_404_is_reported_and_read_again_next_run(httpserver, tmp_path, monkeypatch):
    with World(httpserver, tmp_path, monkeypatch, method="list-events") as w:
        ids = w.fill(per_scope=2)
        broken = ("audit", "eu-frankfurt-1", COMPARTMENTS[1])
        w.apis.fail[broken] = 404
        report = w.run().to_dict()
        assert not report["ok"] and report["shards"]["failed"] == 1
        (problem,) = report["sources"]["audit"]["eu-frankfurt-1"]["problems"]
        assert problem["scope"] == COMPARTMENTS[1] and "HTTP 404 NotAuthorizedOrNotFound" in problem["outcome"]
        missing = {i for i in ids if i.startswith(f"ev-eu-frankfurt-1-{COMPARTMENTS[1][-1]}")}
        assert set(w.siem.ids) == set(ids) - missing and len(missing) == 2
        (kept,) = [c for n, c in w.checkpoints().items() if COMPARTMENTS[1] in n and "frankfurt" in n]
        assert "end" not in kept and kept["lease"] is None  # released, not moved: the next run starts there again

        del w.apis.fail[broken]
        assert w.run().to_dict()["ok"]
        assert set(w.siem.ids) == set(ids) and not w.siem.duplicates()


def test_a_region_subscribed_between_runs_is_read_on_the_next(search_world):
    w = search_world
    w.apis.regions.remove("ap-tokyo-1")
    first = w.fill(per_scope=1)
    assert w.run().ok
    w.apis.regions.append("ap-tokyo-1")
    tokyo = w.fill(per_scope=1, regions=["ap-tokyo-1"])
    report = w.run().to_dict()
    assert report["ok"] and "ap-tokyo-1" in report["sources"]["audit"]
    assert set(w.siem.ids) == set(first) | set(tokyo) and not w.siem.duplicates()


def test_late_events_inside_the_lag_are_caught_once(world):
    on_time = world.fill(per_scope=2, minutes_ago=6)
    late = world.fill(per_scope=1, minutes_ago=8, hidden=True, tag="late")  # older, but visible only later
    assert world.run().ok
    assert set(world.siem.ids) == set(on_time)
    world.apis.reveal()
    report = world.run().to_dict()
    assert report["ok"] and report["delivery"]["received"] == len(late)
    assert set(world.siem.ids) == set(on_time) | set(late) and not world.siem.duplicates()


def test_two_runs_at_once_never_deliver_a_window_twice(world):
    ids = world.fill(per_scope=4)
    world.apis.delay = 0.05
    outcomes = world.at_once(("audit",))
    assert all(o is not None for o in outcomes)
    reports = [o.to_dict() for o in outcomes]
    assert all(r["ok"] for r in reports), reports
    assert set(world.siem.ids) == set(ids) and not world.siem.duplicates()
    skipped = sum(r["shards"]["skipped"] for r in reports)
    done = sum(r["shards"]["done"] for r in reports)
    # every shard done by one run or both (a run may take a shard the other has just finished and released:
    # it then reads only repeats, above), and some skipped because the other run held their lease
    assert skipped > 0 and done >= reports[0]["shards"]["total"]


def test_backfill_reads_its_window_and_never_moves_checkpoints(search_world):
    w = search_world
    old = w.fill(per_scope=1, minutes_ago=60 * 24 * 20, tag="old")  # 20 days ago: two 14-day queries
    recent = w.fill(per_scope=1)
    assert w.run().ok
    assert set(w.siem.ids) == set(recent)
    before = w.checkpoints()
    report = w.run(since=w.now - timedelta(days=30), until=w.now).to_dict()
    assert report["ok"] and report["backfill"]
    assert set(w.siem.ids) == set(old) | set(recent)
    assert w.checkpoints() == before and not w.apis.bad  # no window over 14 days was asked for


def test_first_run_reads_the_look_back_only(search_world):
    w = search_world
    within = w.fill(per_scope=1, minutes_ago=20)
    w.fill(per_scope=1, minutes_ago=120, tag="old")
    assert w.run().ok
    assert set(w.siem.ids) == set(within)
    (name, checkpoint), *_ = sorted(w.checkpoints().items())
    assert checkpoint["lease"] is None and set(checkpoint) >= {"end", "next", "seen"}
    assert TENANCY not in name and name.endswith("/tenancy.json")


def test_values_read_from_the_apis_keep_their_precision(world):
    (event_id,) = world.fill(per_scope=1, regions=["ap-tokyo-1"])[:1]
    record = next(r for r in world.apis.records["ap-tokyo-1"] if r["id"] == event_id)
    record["data"]["additionalDetails"] = {"bigCounter": 2**70 + 1, "ratio": 0.1, "text": "NaN"}
    assert world.run().ok
    (got,) = [r for r in world.siem.records if r["eventId"] == event_id]
    assert got["details"] == {"bigCounter": 2**70 + 1, "ratio": 0.1, "text": "NaN"}


def test_a_checkpoint_write_answered_503_once_is_retried_and_nothing_is_sent_twice(search_world):
    world = search_world
    ids = world.fill(per_scope=6)
    world.bucket.flaky = ["checkpoints/"]  # every checkpoint object: its first write (the claim) answers 503
    first = world.run().to_dict()
    assert first["ok"] and first["complete"], first
    assert set(world.siem.ids) == set(ids) and len(world.checkpoints()) == 3
    assert all(c["lease"] is None and c["end"] for c in world.checkpoints().values())
    again = world.run().to_dict()
    assert again["ok"] and again["delivery"]["received"] == 0 and not world.siem.duplicates()


def test_a_checkpoint_that_cannot_be_moved_fails_the_shard_and_gives_its_lease_back(search_world, tmp_path):
    from forwarder.collect import checkpoints

    world = search_world
    world.fill(per_scope=3)

    class CommitFails(checkpoints.FileStore):
        """The commit (a write with no lease and a window end) fails once, as a store outage would."""

        failed = 0

        def write(self, key, document, etag):
            if document.get("lease") is None and document.get("end") and not self.failed:
                self.failed += 1
                raise checkpoints.CheckpointError(f"checkpoint {key}: cannot write: HTTP 503 ServiceUnavailable")
            return super().write(key, document, etag)

    store = CommitFails(tmp_path / "state.json")
    collector = world.collector()
    collector.store = store
    try:
        outcome = collector.run(("audit",)).to_dict()
    finally:
        collector.pipeline.close()
    assert not outcome["ok"] and outcome["shards"]["failed"] == 1, outcome
    documents = {key: entry["document"] for key, entry in __import__("json").loads(store.path.read_text()).items()}
    assert all(d["lease"] is None for d in documents.values()), documents  # the failed shard's lease is back
    failed = [k for k, d in documents.items() if not d.get("end")]
    assert len(failed) == 1 and documents[failed[0]]["seen"]  # delivered ids remembered: not sent twice


def test_a_consumer_that_raises_leaves_no_worker_thread_behind(search_world):
    world = search_world
    world.fill(per_scope=20)
    collector = world.collector()

    def broken(*args, **kwargs):
        raise RuntimeError("the pipeline broke")

    collector.pipeline.process_items = broken
    before = set(threading.enumerate())
    try:
        with pytest.raises(RuntimeError, match="the pipeline broke"):
            collector.run(("audit",))
    finally:
        collector.pipeline.close()
    left = [t for t in set(threading.enumerate()) - before if "process_request" not in t.name]  # not the stand-ins'
    assert not left, left  # every reader ended with the run, none blocked on a queue in a warm container
