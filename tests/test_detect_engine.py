"""The detection engine: the index, windows (in memory and in a real redis-server, one algorithm),
rule compilation errors, user rules and what a detection record carries."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from forwarder.detect import RuleError, pack
from forwarder.detect import config as detection
from forwarder.detect.engine import Detector
from forwarder.detect.match import op_key
from forwarder.detect.shared_state import RedisState
from forwarder.detect.sigma import compile_files
from forwarder.detect.state import Member, MemoryState, Window
from forwarder.normalize import normalize
from forwarder.oci.clients import for_function
from forwarder.settings import ConfigError, load_settings
from tests.detect_events import START, audit

LAUNCH = "com.oraclecloud.computeApi.LaunchInstance"
COUNT_RULE = """
title: three launches
id: 11111111-2222-4333-8444-555555555555
name: three_launches_match
logsource: {product: oci, service: audit}
detection:
  sel:
    eventType|endswith: .launchinstance
  condition: sel
level: informational
---
title: Three instances launched by one principal in 5 minutes
id: 11111111-2222-4333-8444-555555555556
name: three_launches
tags: [attack.impact, attack.t1496]
correlation:
  type: event_count
  rules: [three_launches_match]
  group-by: [principal.name]
  timespan: 5m
  condition: {gte: 3}
level: high
"""


def build_detector(settings):
    return detection.build(settings.detection, for_function(settings))


def ms(minutes: float) -> int:
    return int((START + timedelta(minutes=minutes)).timestamp() * 1000)


@pytest.fixture(params=["memory", "redis"])
def state(request, tmp_path):
    if request.param == "memory":
        yield MemoryState()
        return
    from tests.support.redis_server import RedisServer

    server = RedisServer(tmp_path / "redis")
    s = RedisState(server.url)
    yield s
    assert s.warning is None
    s.close()
    server.stop()


def test_op_key_is_the_operation_whatever_the_form():
    assert op_key("com.oraclecloud.ComputeApi.TerminateInstance") == "terminateinstance"
    assert op_key("com.oraclecloud.computeapi.terminateinstance.begin") == "terminateinstance"
    assert op_key("com.oraclecloud.identitycontrolplane.uploadapikey") == "uploadapikey"
    assert op_key(None) is None and op_key("") is None


def test_a_window_fires_once_when_the_threshold_is_reached(state):
    w = Window(600, "gte", 5, False)
    first = [Member(ms(i), f"e{i}", "") for i in range(4)]
    assert state.add_many([("k", w, first)]) == [[]]
    (fired,) = state.add_many([("k", w, [Member(ms(4), "e4", "")])])[0]
    assert [m.event_id for m in fired] == ["e0", "e1", "e2", "e3", "e4"]
    more = [Member(ms(5 + i), f"f{i}", "") for i in range(5)]  # still within the fired window: absorbed
    assert state.add_many([("k", w, more)]) == [[]]
    later = [Member(ms(30 + i), f"g{i}", "") for i in range(5)]  # a new window
    assert len(state.add_many([("k", w, later)])[0]) == 1


def test_a_repeated_event_is_counted_once_and_groups_are_apart(state):
    w = Window(600, "gte", 3, False)
    again = [Member(ms(0), "e0", ""), Member(ms(0), "e0", ""), Member(ms(1), "e1", "")]
    assert state.add_many([("a", w, again), ("b", w, [Member(ms(2), "e2", "")])]) == [[], []]
    assert state.add_many([("a", w, [Member(ms(1), "e1", "")])]) == [[]]  # a redelivery adds nothing


def test_value_count_counts_distinct_values(state):
    w = Window(900, "gte", 3, True)
    same = [Member(ms(i), f"e{i}", "alice") for i in range(5)]
    assert state.add_many([("k", w, same)]) == [[]]
    (fired,) = state.add_many([("k", w, [Member(ms(6), "x", "bob"), Member(ms(7), "y", "carol")])])[0]
    assert {m.value for m in fired} == {"alice", "bob", "carol"}


def test_distinct_values_at_one_time_each_count_and_a_repeat_does_not(state):
    w = Window(600, "gte", 3, True)
    repeat = [Member(ms(0), "a1", "22"), Member(ms(0), "a2", "22"), Member(ms(0), "b", "23")]
    assert state.add_many([("k", w, repeat)]) == [[]]  # two values so far: the repeat of "22" adds none
    (fired,) = state.add_many([("k", w, [Member(ms(0), "c", "24")])])[0]
    assert sorted(m.value for m in fired) == ["22", "23", "24"]


def test_an_ordered_window_fires_only_on_its_rules_in_order(state):
    w = Window(1800, "gte", 2, True, True)  # temporal_ordered over two rules: "0" (failed), then "1" (success)
    assert state.add_many([("a", w, [Member(ms(0), "ok", "1"), Member(ms(1), "bad", "0")])]) == [[]]
    (fired,) = state.add_many([("b", w, [Member(ms(0), "bad1", "0"), Member(ms(2), "bad2", "0")])])[0] or [None]
    assert fired is None  # failures alone: nothing yet
    (fired,) = state.add_many([("b", w, [Member(ms(5), "ok", "1")])])[0]
    assert [m.event_id for m in fired] == ["bad1", "bad2", "ok"]
    assert state.add_many([("c", w, [Member(ms(0), "bad", "0"), Member(ms(40), "ok", "1")])]) == [[]]  # too far apart


def test_events_out_of_order_and_spread_out(state):
    w = Window(600, "gt", 2, False)
    spread = [Member(ms(m), f"s{m}", "") for m in (0, 20, 40, 60)]  # never 3 within 10 minutes
    assert state.add_many([("k", w, spread)]) == [[]]
    late = [Member(ms(45), "late1", ""), Member(ms(41), "late2", "")]  # 40, 41, 45 are within 10 minutes
    (fired,) = state.add_many([("k", w, late)])[0]
    assert sorted(m.event_id for m in fired) == ["late1", "late2", "s40"]


def test_redis_runs_the_same_algorithm_as_memory(tmp_path):
    from tests.support.redis_server import RedisServer

    server = RedisServer(tmp_path / "redis")
    shared, local = RedisState(server.url), MemoryState()
    rng = random.Random(7)
    try:
        for step in range(200):
            w = Window(rng.choice([60, 300]), rng.choice(["gte", "gt"]), rng.randint(1, 4), rng.random() < 0.3)
            key = f"k{step % 5}-{w}"
            batch = [
                Member(ms(rng.uniform(0, 30)), f"e{rng.randint(0, 40)}", rng.choice("abc"))
                for _ in range(rng.randint(1, 6))
            ]
            got, want = shared.add_many([(key, w, batch)]), local.add_many([(key, w, batch)])
            assert [[sorted(m) for m in f] for f in got] == [[sorted(m) for m in f] for f in want], step
    finally:
        shared.close()
        server.stop()


def test_a_detection_record_carries_rule_attack_group_and_events():
    detector = Detector(compile_files([("three.yml", COUNT_RULE)]))
    events = [audit(LAUNCH, at=START + timedelta(minutes=i), principal="eve", event_id=f"e{i}") for i in range(3)]
    result = detector.evaluate([normalize(e) for e in events])
    (d,) = result.detections
    assert result.matched == 3 and result.state == "memory"
    assert (d.kind, d.risk_level, d.severity, d.title) == (
        "detection",
        "HIGH",
        "high",
        d.details["ruleName"] and d.title,
    )
    assert d.details["groupBy"] == {"principal.name": "eve"} and d.details["matchedEventIds"] == ["e0", "e1", "e2"]
    assert d.details["techniques"] == [{"id": "T1496", "name": "Resource Hijacking"}]
    assert d.details["tactics"] == [{"id": "TA0040", "name": "Impact"}]
    assert (d.details["firstTime"], d.details["lastTime"]) == ("2026-11-20T09:00:00.000Z", "2026-11-20T09:02:00.000Z")
    assert d.principal.name == "eve" and d.labels == ["attack.impact", "attack.t1496"]
    again = Detector(compile_files([("three.yml", COUNT_RULE)])).evaluate([normalize(e) for e in events])
    assert again.detections[0].event_id == d.event_id  # the same window always gets the same id


@pytest.mark.parametrize(
    "text, words",
    [
        ("title: [unclosed", ["bad.yml", "not a Sigma rule"]),
        (
            COUNT_RULE.replace("eventType|endswith", "eventTyp|endswith"),
            ["bad.yml", "three launches", "eventTyp", "did you mean eventType"],
        ),
        (COUNT_RULE.replace("attack.t1496", "attack.t9999"), ["bad.yml", "T9999", "18.1"]),
        (COUNT_RULE.replace("{gte: 3}", "{lt: 3}"), ["bad.yml", "lt is not supported"]),
        (COUNT_RULE.replace("type: event_count", "type: temporal"), ["bad.yml", "temporal"]),
        (COUNT_RULE.replace("    eventType|endswith: .launchinstance", "    - launchinstance"), ["keyword"]),
        (COUNT_RULE.replace("level: high", "level: severe"), ["bad.yml"]),
    ],
)
def test_a_rule_that_cannot_run_is_an_error_naming_file_and_rule(text, words):
    with pytest.raises(RuleError) as err:
        compile_files([("rules/bad.yml", text)])
    assert all(w in str(err.value) for w in words), str(err.value)


def test_user_rules_and_disabled_built_ins_through_settings(tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "three.yml").write_text(COUNT_RULE)
    settings = load_settings(
        {"DETECTION_RULES": str(tmp_path / "mine"), "DETECTION_DISABLE": "oci_discovery_burst,oci_short_user_agent"}
    )
    names = {r["name"] for r in build_detector(settings).rules}
    assert "three_launches" in names and "oci_api_key_uploaded" in names
    assert not names & {"oci_discovery_burst", "oci_discovery_burst_match", "oci_short_user_agent"}
    assert build_detector(load_settings({"DETECTION_DISABLE": "all"})) is None
    with pytest.raises(ConfigError, match="DETECTION_DISABLE: no built-in rule has the id or name oci_nope"):
        build_detector(load_settings({"DETECTION_DISABLE": "oci_nope"}))
    (tmp_path / "mine" / "broken.yml").write_text(COUNT_RULE.replace("eventType|", "principalName|"))
    with pytest.raises(
        ConfigError, match=r"^DETECTION_RULES: .*broken.yml: rule three launches: field 'principalName'"
    ):
        build_detector(load_settings({"DETECTION_RULES": str(tmp_path / "mine")}))


def test_user_rules_from_an_object_storage_prefix(storage, monkeypatch):
    storage.objects["sigma/three.yml"] = COUNT_RULE.encode()
    storage.objects["sigma/README.txt"] = b"not a rule"
    monkeypatch.delenv("DEAD_LETTER_BUCKET")
    settings = load_settings({**__import__("os").environ, "DETECTION_RULES": f"oci://dl@{storage.namespace}/sigma/"})
    rules = build_detector(settings).rules
    assert [r["file"] for r in rules if r["name"] == "three_launches"] == ["three.yml"]


def test_redis_settings_are_checked():
    with pytest.raises(ConfigError, match="DETECTION_STATE_URL: expected a URL redis://host or rediss://host"):
        load_settings({"DETECTION_STATE_URL": "http://cache:6379"})
    with pytest.raises(ConfigError, match="DETECTION_STATE_URL: expected no password in the URL"):
        load_settings({"DETECTION_STATE_URL": "redis://:hunter2@cache:6379"})
    with pytest.raises(ConfigError, match="DETECTION_STATE_URL: a Redis password is set but no Redis URL"):
        load_settings({"DETECTION_STATE_PASSWORD": "x"})
    with pytest.raises(ConfigError, match="DETECTION_STATE_CA_CERT: needs a rediss:// Redis URL"):
        load_settings({"DETECTION_STATE_URL": "redis://cache:6379", "DETECTION_STATE_CA_CERT": "/ca.pem"})


def test_the_built_in_pack_is_indexed():
    detector = Detector(list(pack.builtin()))
    assert len(detector._scan) == 2  # the List/Get burst and the short user agent name no event type
    assert len(detector._index) >= 40


def test_every_format_carries_the_attack_fields_under_its_documented_keys():
    import json

    from forwarder.formats import cef, leef, record_json, syslog

    detector = Detector(compile_files([("three.yml", COUNT_RULE)]))
    events = [audit(LAUNCH, at=START + timedelta(minutes=i), event_id=f"e{i}") for i in range(3)]
    (d,) = detector.evaluate([normalize(e) for e in events]).detections
    attributes = dict(pair.split("=", 1) for pair in leef.encode(d).decode().split("|x09|", 1)[1].split("\t"))
    assert (attributes["attackTactics"], attributes["attackTechniques"]) == ("TA0040", "T1496")
    assert (attributes["attackTacticNames"], attributes["attackTechniqueNames"]) == ("Impact", "Resource Hijacking")
    assert "flexString1Label=attackTactics flexString1=TA0040 flexString2Label=attackTechniques flexString2=T1496" in (
        cef.encode(d).decode()
    )
    message = syslog.rfc5424(d, record_json.encode(d), facility=1, hostname="h", app_name="a", max_bytes=8192)
    assert b'attackTactics="TA0040" attackTechniques="T1496"]' in message
    assert json.loads(record_json.encode(d))["details"]["techniques"] == [{"id": "T1496", "name": "Resource Hijacking"}]
    plain = normalize(events[0])  # an event is not a detection: none of these keys
    assert b"attack" not in leef.encode(plain) + cef.encode(plain)


def test_redis_over_tls_with_a_password_and_a_wrong_password_degrades(tmp_path):
    from tests.support.redis_server import RedisServer

    server = RedisServer(tmp_path / "redis", password="s3cret-window", tls=True)
    w, members = Window(600, "gte", 1, False), [Member(ms(0), "e0", "")]
    try:
        good = RedisState(server.url, password="s3cret-window", ca_cert=str(server.ca))
        assert len(good.add_many([("k", w, members)])[0]) == 1 and good.warning is None and server.keys() == 1
        wrong = RedisState(server.url, password="wrong", ca_cert=str(server.ca))
        assert len(wrong.add_many([("k", w, members)])[0]) == 1  # counted in memory instead
        assert "Redis failed" in wrong.warning and "s3cret" not in wrong.warning
        untrusted = RedisState(server.url, password="s3cret-window")  # the system store does not know this CA
        untrusted.add_many([("k", w, members)])
        assert "certificate verify failed" in untrusted.warning
        for s in (good, wrong, untrusted):
            s.close()
    finally:
        server.stop()
