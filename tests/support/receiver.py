"""`make receiver`: a real rsyslogd on 127.0.0.1 (TCP 5514, UDP 5514, TLS 6514) that prints what it
receives, one line per message, until Ctrl-C. For trying the forwarder locally (README, "Local run")."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import tempfile
import time
from pathlib import Path

from tests.support.rsyslog import start_rsyslog


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.support.receiver", description=__doc__)
    parser.add_argument("--tcp", type=int, default=5514, help="TCP port (octet counting); default 5514")
    parser.add_argument("--udp", type=int, default=5514, help="UDP port; default 5514")
    parser.add_argument("--tls", type=int, default=6514, help="TLS port; default 6514")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # stop rsyslogd on `kill` as on Ctrl-C
    work = Path(tempfile.mkdtemp(prefix="forwarder-receiver-"))
    server = start_rsyslog(work, ports={"tcp": args.tcp, "udp": args.udp, "tls": args.tls})
    print(
        f"rsyslogd listening on tcp://127.0.0.1:{args.tcp}, udp://127.0.0.1:{args.udp} and "
        f"tls://127.0.0.1:{args.tls} (CA: {server.ca}); Ctrl-C to stop",
        flush=True,
    )
    shown = 0
    try:
        while True:
            lines = server.lines()
            for line in lines[shown:]:
                sd = (line.get("sdparsed") or {}).get("oci@32473", {})
                message = line["msg"].lstrip("\ufeff")
                print(
                    f"<{line['pri']}> {line['input']} {line['msgid']} eventId={sd.get('eventId')} "
                    f"{json.dumps(message[:160])}",
                    flush=True,
                )
            shown = len(lines)
            time.sleep(0.2)
    except KeyboardInterrupt:
        return 0
    finally:
        server.stop()


if __name__ == "__main__":
    sys.exit(main())
