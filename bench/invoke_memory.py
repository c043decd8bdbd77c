"""One function invocation with a big body, as a fresh container does it; run by bench/memory.py.

`python bench/invoke_memory.py BODY_FILE`: builds the pipeline from the environment, then reads the
body and handles it. Prints on its last stderr line: peak RSS (VmHWM, kB) before the body was read and
after the invocation, and the invocation's status.
"""

import sys

from forwarder import handler
from tests.support.peak import peak_kb

handler.get_pipeline()
before = peak_kb()
with open(sys.argv[1], "rb") as source:
    body = source.read()
status, summary = handler.handle(body, 60.0)
if status != 200:
    sys.exit(f"invocation failed: {summary}")
print(before, peak_kb(), summary["received"], file=sys.stderr)
