"""`make demo`: the function end to end on the sample events.

Starts a real rsyslogd on loopback (TCP and TLS), starts the real fdk server on a unix socket
configured for TLS syslog (CEF) ... then for TCP syslog (JSON), invokes it with every sample event
in tests/data, and prints what the SIEM received and the function's summaries.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from tests.support.fdk_server import FunctionServer
from tests.support.rsyslog import start_rsyslog

DATA = Path(__file__).parent / "data"


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="forwarder-demo-"))
    receiver = start_rsyslog(work / "rsyslog")
    print(f"rsyslogd listening on {receiver.url('tcp')} and {receiver.url('tls')} (output: {receiver.output})")
    failures = 0
    runs = [
        ("TLS, RFC 5424, CEF", {"SIEM_SYSLOG_URL": receiver.url("tls"), "SIEM_SYSLOG_CA_CERT": str(receiver.ca),
                                "SIEM_SYSLOG_PAYLOAD": "cef"}),
        ("TCP, RFC 5424, JSON", {"SIEM_SYSLOG_URL": receiver.url("tcp"), "SIEM_SYSLOG_FACILITY": "auth"}),
    ]  # fmt: skip
    try:
        for title, config in runs:
            receiver.clear()
            function = FunctionServer(work / title.split(",")[0].lower(), config)
            print(f"\n=== {title}: fdk server on {function.socket}")
            print("config:", json.dumps({k: v for k, v in config.items() if k != "SIEM_SYSLOG_CA_CERT"}))
            sent = 0
            try:
                for path in sorted(DATA.glob("*.json")):
                    result = function.invoke(path.read_bytes())
                    sent += result.summary.get("received") or 0
                    failures += result.status != 200
                    print(f"  {path.name}: HTTP {result.status} {result.text}")
            finally:
                function.stop()
            lines = receiver.wait_for(sent)
            print(f"--- the SIEM (rsyslog) received {len(lines)} of {sent} messages:")
            for line in lines:
                sd = line.get("sdparsed", {}).get("oci@32473", {})
                print(f"  <{line['pri']}> app={line['appname']} msgid={line['msgid']} risk={sd.get('riskLevel', '-')} "
                      f"eventId={sd.get('eventId')}")  # fmt: skip
                print(f"      {line['msg'].lstrip(chr(0xFEFF))[:220]}")
            failures += len(lines) != sent
    finally:
        receiver.stop()
    print("\ndemo", "FAILED" if failures else "OK: every sample event reached rsyslog")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
