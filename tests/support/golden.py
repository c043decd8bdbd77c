"""Frozen output of every format for the sample corpus: what `test_formats.test_output_is_byte_identical`
compares against, so that speed work cannot change a byte of what a SIEM receives unnoticed.

The corpus is every `tests/data/*.json` sample plus `tests/data/golden/edge-cases.jsonl` (numbers beyond
64 bits, floats, NaN, lone surrogates, U+2028, control characters, duplicate keys, credentials). For each
format, `tests/data/golden/<format>.out` holds one entry per record: `<octets> SP <bytes> LF`.

Regenerate (only when a change of output is on purpose, and say so in the commit):
    .venv/bin/python -m tests.support.golden --write
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

from forwarder.formats import cef, http_bodies, leef, ocsf, record_json
from forwarder.formats import syslog as fmt
from forwarder.normalize import Record, normalize
from forwarder.sources import Reject, read_body

DATA = Path(__file__).resolve().parents[1] / "data"
GOLDEN = DATA / "golden"
REGION = "us-ashburn-1"

_5424 = partial(fmt.rfc5424, facility=16, hostname="oci-host", app_name="oci-forwarder")
FORMATS: dict[str, Callable[[Record], bytes]] = {
    "json": record_json.encode,
    "cef": cef.encode,
    "leef": leef.encode,
    "ocsf": partial(ocsf.encode, now=lambda: 1_700_000_000.0),  # records without a time: a fixed one
    "rfc5424-json": lambda r: _5424(r, record_json.encode(r)),
    "rfc5424-cef-udp480": lambda r: _5424(r, cef.encode(r), max_bytes=480),
    "rfc5424-json-udp2048": lambda r: _5424(r, record_json.encode(r), max_bytes=2048),
    "rfc3164-leef": lambda r: fmt.rfc3164(r, leef.encode(r), facility=13, hostname="oci-host", app_name="fwd"),
    "webhook": lambda r: http_bodies.webhook_join([http_bodies.webhook_item(r)]),
    "hec": lambda r: http_bodies.hec_item(r, index="oci", sourcetype="oci:security", source="oci", host="oci-host"),
}


def bodies() -> Iterator[bytes]:
    """The corpus as invocation bodies, in a fixed order."""
    for path in sorted(DATA.glob("*.json")):
        yield path.read_bytes()
    yield (GOLDEN / "edge-cases.jsonl").read_bytes()


def records() -> Iterator[Record]:
    for body in bodies():
        for item in read_body(body):
            assert not isinstance(item, Reject), item
            yield normalize(item, REGION)


def render() -> dict[str, bytes]:
    """Format name -> the framed output of every record of the corpus."""
    out: dict[str, list[bytes]] = {name: [] for name in FORMATS}
    for record in records():
        for name, encode in FORMATS.items():
            clocked = name.startswith("rfc3164") and record.time is None  # would use the clock: left empty
            data = b"" if clocked else encode(record)
            out[name].append(b"%d %s\n" % (len(data), data))
    return {name: b"".join(parts) for name, parts in out.items()}


def main() -> None:
    if sys.argv[1:] != ["--write"]:
        sys.exit(__doc__)
    for name, data in render().items():
        (GOLDEN / f"{name}.out").write_bytes(data)
        print(f"wrote {GOLDEN / f'{name}.out'} ({len(data):,} bytes)")


if __name__ == "__main__":
    main()
