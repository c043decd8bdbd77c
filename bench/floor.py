"""The floors: `json.dumps(json.loads(line))` over a JSON-lines file, with the stdlib, msgspec or orjson.

Run as a child process by bench/throughput.py: `python bench/floor.py stdlib|msgspec|orjson FILE`.
"""

import sys

kind, path = sys.argv[1], sys.argv[2]
with open(path, "rb") as lines:
    if kind == "stdlib":
        import json

        for line in lines:
            json.dumps(json.loads(line))
    elif kind == "msgspec":
        import msgspec

        decode, encode = msgspec.json.Decoder().decode, msgspec.json.Encoder().encode
        for line in lines:
            encode(decode(line))
    elif kind == "orjson":
        import orjson

        for line in lines:
            orjson.dumps(orjson.loads(line))
    else:
        sys.exit(f"unknown floor {kind}")
