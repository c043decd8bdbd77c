"""Formats are pure and escape per spec: JSON, CEF, LEEF 2.0, RFC 5424 / RFC 3164, HTTP bodies."""

from __future__ import annotations

import json
import re

import pycef
from hypothesis import given, settings
from hypothesis import strategies as st

from forwarder.formats import PAYLOADS, cef, http_bodies, leef, record_json
from forwarder.formats import syslog as fmt
from forwarder.normalize import Severity, normalize
from tests.conftest import sample

PROBLEM = "cloudguard-problemdetected-bucket-public-critical.json"
HOSTILE = 'evil\n<13>1 2026-01-01T00:00:00Z forged app - - - FORGED\r\n|pipe =eq cs1=forged ]br "q" \\bs\tTAB ünï日本'


def problem():
    return normalize(sample(PROBLEM))


def hostile_record():
    event = sample(PROBLEM)
    event["data"]["resourceName"] = HOSTILE  # title
    event["data"]["compartmentName"] = HOSTILE
    details = event["data"]["additionalDetails"]
    details["problemDescription"] = HOSTILE
    details["resourceName"] = HOSTILE
    details["region"] = HOSTILE
    return normalize(event)


def test_json_payload_roundtrips_record():
    r = problem()
    data = json.loads(record_json.encode(r))
    assert data == json.loads(json.dumps(r.to_dict()))
    assert data["original"]["eventID"] == r.event_id and data["severity"] == "critical"


def test_json_payload_survives_lone_surrogates_and_has_no_raw_newline():
    event = sample(PROBLEM)
    event["data"]["resourceName"] = "bad \ud800 surrogate\nline"
    out = record_json.encode(normalize(event))
    out.decode("utf-8")  # valid UTF-8
    assert b"\n" not in out
    assert json.loads(out)["title"] == "bad \ud800 surrogate\nline"


def _leef(text: str) -> tuple[list[str], dict[str, str]]:
    """Split LEEF 2.0 per the IBM spec: 6 header fields, the delimiter, then key=value attributes."""
    assert text.startswith("LEEF:2.0|")
    header = re.split(r"(?<!\\)\|", text, maxsplit=6)
    assert header[5] == "x09"
    attributes = dict(pair.split("=", 1) for pair in header[6].split("\t"))
    return header[:5], attributes


def _cef_header(text: str) -> list[str]:
    return re.split(r"(?<!\\)\|", text, maxsplit=7)


def _cef_unescape(value: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "r": "\r"}.get(m.group(1), m.group(1)), value)


def test_cef_fields_parse_with_pycef():
    r = normalize(sample("audit-batch-listevents.json")[0])
    text = cef.encode(r).decode()
    parsed = pycef.parse(text)
    assert parsed["DeviceVendor"] == "Oracle" and parsed["DeviceEventClassID"] == "com.oraclecloud.Audit.ListEvents"
    assert (parsed["Name"], parsed["Severity"]) == ("ListEvents succeeded", "1")
    assert (parsed["suser"], parsed["src"], parsed["requestMethod"], parsed["outcome"]) == (
        "audit-reader",
        "203.0.113.37",
        "GET",
        "200",
    )
    assert parsed["externalId"] == r.event_id and parsed["rt"] == str(r.time_ms)
    assert parsed["compartmentId"] == r.compartment_id  # cs1 with its label


def test_cef_hostile_values_cannot_add_keys_or_header_fields():
    r = hostile_record()
    text = cef.encode(r).decode()
    assert "\n" not in text and "\r" not in text
    header = _cef_header(text)
    assert len(header) == 8 and header[0] == "CEF:0" and header[6] == "10"
    assert "\t" not in text  # CEF has no escape for a tab: like other controls it becomes a space
    assert _cef_unescape(header[5]) == re.sub(r"[\t\r\n]", " ", HOSTILE)
    parsed = pycef.parse("CEF:0|V|P|1|S|N|1|" + header[7])
    expected_keys = {k for k, _ in cef.fields(r)}
    # pycef folds csN/csNLabel into the label name
    labels = {v for k, v in cef.fields(r) if k.endswith("Label")}
    header_keys = {
        "CEFVersion",
        "DeviceVendor",
        "DeviceProduct",
        "DeviceVersion",
        "DeviceEventClassID",
        "Name",
        "DeviceName",
        "Severity",
        "DeviceSeverity",
    }
    keys = set(parsed) - header_keys
    assert keys == {k for k in expected_keys if not re.fullmatch(r"cs\dLabel|cs\d", k)} | labels
    spaced = HOSTILE.replace("\t", " ")
    assert _cef_unescape(parsed["msg"]) == spaced
    assert _cef_unescape(parsed["duser"]) == spaced
    assert _cef_unescape(parsed["region"]) == spaced
    assert "forged" not in keys


def test_leef_attributes_and_hostile_values():
    r = hostile_record()
    header, attributes = _leef(leef.encode(r).decode())
    assert header == ["LEEF:2.0", "Oracle", "OCI Security Event Forwarder", "0.1.0", "BUCKET_IS_PUBLIC"]
    assert set(attributes) == {k for k, _ in leef.fields(r)}
    flat = re.sub(r"[\t\r\n]", " ", HOSTILE)
    assert attributes["title"] == attributes["description"] == attributes["compartmentName"] == flat
    assert attributes["sev"] == "10" and attributes["devTime"] == str(r.time_ms)


def test_rfc5424_header_pri_and_structured_data():
    r = problem()
    msg = fmt.rfc5424(r, b"payload", facility=16, hostname="oci", app_name="oci-forwarder")
    head, _, rest = msg.partition(b"[")
    assert head == b"<130>1 2021-08-28T16:37:59.000Z oci oci-forwarder - problemdetected "
    assert rest.endswith(b"] " + fmt.BOM + b"payload")
    assert b'eventId="1642b454-eeee-aaaa-aaa-783803f83134"' in rest and b'riskLevel="CRITICAL"' in rest


def test_severity_order_follows_risk_level():
    pri = [s.syslog for s in (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW, Severity.INFO)]
    assert pri == sorted(pri) and len(set(pri)) == 5  # lower number = more severe


def test_rfc5424_truncation_is_marked_and_bounded():
    r = problem()
    payload = ("ü" * 5000).encode()
    msg = fmt.rfc5424(r, payload, facility=16, hostname="h", app_name="a", max_bytes=2048)
    assert len(msg) <= 2048
    assert msg.endswith(fmt.TRUNCATION_MARK)
    assert f'truncated="{len(payload)}"'.encode() in msg
    msg.decode("utf-8")  # cut on a character boundary


def test_rfc3164_layout_and_bound():
    event = sample(PROBLEM)
    event["eventTime"] = event["eventTime"].replace("-28T", "-03T")
    r = normalize(event)
    msg = fmt.rfc3164(r, b"x" * 2000, facility=4, hostname="oci", app_name="oci-forwarder")
    assert msg.startswith(b"<34>Aug  3 16:37:59 oci ociforwarder: xxx")
    assert len(msg) == 1024 and msg.endswith(fmt.TRUNCATION_MARK)


def test_header_fields_are_printable_ascii():
    assert fmt.header_field("my host\nname", 255) == "my_host_name"
    assert fmt.header_field("", 48) == "-"
    assert fmt.header_field("a" * 60, 48) == "a" * 48


def test_hec_and_webhook_bodies():
    r = problem()
    hec = http_bodies.hec_item(r, index="oci", sourcetype="oci:security", source="oci:forwarder", host="oci")
    envelope = json.loads(hec)
    assert envelope["time"] == 1630168679.0 and envelope["index"] == "oci" and envelope["sourcetype"] == "oci:security"
    assert envelope["event"]["eventId"] == r.event_id and envelope["fields"]["riskLevel"] == "CRITICAL"
    assert http_bodies.hec_join([hec, hec]).count(b"\n") == 1
    array = json.loads(http_bodies.webhook_join([http_bodies.webhook_item(r)] * 3))
    assert len(array) == 3 and array[0]["title"] == "Bucket is public"


def long_fields_record(text: str):
    event = sample("audit-objectstorage-createbucket-public.json")
    for key in ("compartmentName", "resourceName"):
        event["data"][key] = text
    event["data"]["identity"]["principalName"] = text
    event["data"]["resourceId"] = text
    event["eventID"] = text[:300] or "e"
    return normalize(event)


def test_udp_limit_holds_when_header_and_structured_data_alone_exceed_it():
    r = long_fields_record("ü" * 2000)  # principalName, resourceId, eventId: all structured data
    full = fmt.rfc5424(r, cef.encode(r), facility=16, hostname="oci", app_name="oci-forwarder")
    assert len(full) > 8000
    msg = fmt.rfc5424(r, cef.encode(r), facility=16, hostname="h" * 255, app_name="a" * 48, max_bytes=600)
    assert len(msg) <= 600 and msg.endswith(fmt.TRUNCATION_MARK)
    msg.decode("utf-8")
    assert f'truncated="{len(cef.encode(r))}"'.encode() in msg  # the receiver still learns the original size


@settings(max_examples=150, deadline=None)
@given(
    text=st.text(max_size=1500),
    limit=st.integers(480, 4096),
    payload=st.sampled_from(sorted(PAYLOADS)),
    rfc=st.sampled_from([fmt.rfc5424, fmt.rfc3164]),
)
def test_no_message_ever_exceeds_the_udp_limit(text, limit, payload, rfc):
    r = long_fields_record(text)
    msg = rfc(r, PAYLOADS[payload](r), facility=23, hostname="h" * 255, app_name="a" * 48, max_bytes=limit)
    assert len(msg) <= limit
    msg.decode("utf-8")


def test_a_cut_never_leaves_a_dangling_backslash():
    event = sample(PROBLEM)
    event["data"]["additionalDetails"]["problemDescription"] = "\\" * 3000  # CEF writes each as \\
    r = normalize(event)
    payload = cef.encode(r)
    for limit in range(600, 700):  # every cut position across escaped backslashes
        msg = fmt.rfc3164(r, payload, facility=4, hostname="oci", app_name="oci-forwarder", max_bytes=limit)
        kept = msg[: -len(fmt.TRUNCATION_MARK)]
        assert msg.endswith(fmt.TRUNCATION_MARK) and len(msg) <= limit
        assert (len(kept) - len(kept.rstrip(b"\\"))) % 2 == 0, limit  # no backslash escapes the mark


def test_output_is_byte_identical_to_the_frozen_corpus_output():
    """Every format, for every sample and edge case, gives exactly the bytes frozen in tests/data/golden
    (tests/support/golden.py says how to regenerate them, only on purpose). Frozen by the code before
    the msgspec encoder's arrival; changed on purpose once: msgspec writes exponent floats in shortest form
    (`1e16`, not Python's `1e+16`), which moves entry 14 (edge-numbers) of the JSON formats only; and
    again for the one rule for lone surrogate escapes (U+FFFD everywhere), which moves entry 15
    (edge-strings): the JSON formats wrote `\\ud800` where the structured data and CEF wrote `?`."""
    from tests.support.golden import GOLDEN, render

    for name, data in render().items():
        got, want = data.split(b"\n"), (GOLDEN / f"{name}.out").read_bytes().split(b"\n")
        differ = [i for i, (a, b) in enumerate(zip(got, want, strict=False)) if a != b]
        first = got[differ[0]] if differ else f"{len(got)} entries, not {len(want)}"
        assert len(got) == len(want) and not differ, f"{name}: entries {differ} differ: {first!r}"
