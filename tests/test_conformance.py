"""What strict receivers found: TLS closed with close_notify, CEF externalId within ArcSight's 40
characters, an alphanumeric RFC 3164 TAG."""

from __future__ import annotations

import re
import ssl
import time

import pycef

from forwarder.formats import cef
from forwarder.formats import syslog as fmt
from forwarder.normalize import normalize
from forwarder.sinks.syslog import SyslogSink
from tests.conftest import sample
from tests.support.tls_server import TlsListener, certificate


def _wait_for(predicate, seconds=5.0):
    end = time.monotonic() + seconds
    while not predicate() and time.monotonic() < end:
        time.sleep(0.02)
    return predicate()


def test_tls_sink_closes_with_close_notify(tmp_path):
    cert, key = certificate(tmp_path, "receiver")
    listener = TlsListener(cert, key)
    context = ssl.create_default_context(cafile=str(cert))
    sink = SyslogSink("tls", "localhost", listener.port, ssl_context=context, timeout=2)
    try:
        sink.send([b"<14>1 - - - - - - one"])
        sink.close()
        assert _wait_for(lambda: listener.closes), "the listener saw no close"
        assert listener.closes == ["close_notify"]  # RFC 5425 section 4.4; syslog-ng logs "unexpected eof" else
        assert listener.received.endswith(b"one")
    finally:
        listener.close()


def test_cef_external_id_fits_arcsight_and_full_id_is_in_cs6():
    problem = normalize(sample("cloudguard-problemdetected-bucket-public-critical.json"))
    problem.data["eventId"] = "ocid1.cloudguardproblem.oc1.iad." + "a" * 60  # problem OCIDs exceed 40
    parsed = pycef.parse(cef.encode(problem).decode())
    assert len(parsed["externalId"]) == 40 and re.fullmatch(r"[0-9a-f]{40}", parsed["externalId"])
    assert parsed["eventId"] == problem.event_id  # cs6, label eventId
    again = pycef.parse(cef.encode(problem).decode())
    assert again["externalId"] == parsed["externalId"]  # stable: a re-sent event deduplicates downstream
    short = normalize(sample("audit-batch-listevents.json")[0])
    fields = pycef.parse(cef.encode(short).decode())
    assert fields["externalId"] == short.event_id == fields["eventId"]  # a short id is kept as it is


def test_rfc3164_tag_is_alphanumeric():
    record = normalize(sample("cloudguard-problemdetected-bucket-public-critical.json"))
    message = fmt.rfc3164(record, b"x", facility=16, hostname="oci", app_name="oci-forwarder").decode()
    tag = message.split(" ")[4]
    assert tag == "ociforwarder:"
    assert fmt.tag("our_app 2") == "ourapp2" and fmt.tag("--") == "-" and len(fmt.tag("a" * 50)) == 32
