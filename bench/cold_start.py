"""One cold start, as a fresh function container does it: import fdk and func, handle one event.

Run as a child process by bench/run.py, from a copy of the function compiled as the Dockerfile does.
No sink is configured, so no OCI call and no network: the record goes to the log sink (stdout, sent
to /dev/null by the parent). Prints on its last stderr line: the in-process milliseconds, whether
`oci` and `httpx` were imported (1/0), peak RSS (VmHWM, kB), and our own milliseconds (from the fdk
imported to the answer: `import func` and the event).
"""

import io
import sys
import time

start = time.perf_counter()
from fdk import context, response  # noqa: E402, F401 (what the fdk's own start imports)

ours = time.perf_counter()
import func  # noqa: E402

body = open(sys.argv[1], "rb").read()
ctx = context.InvokeContext("app", "app", "fn", "fn", "call-1", content_type="application/json", config={}, headers={})
result = func.handler(ctx, io.BytesIO(body))
end = time.perf_counter()
elapsed, ours_ms = (end - start) * 1000, (end - ours) * 1000
assert result.status() == 200, result.body()
peak_kb = next(line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM"))
print(
    f"{elapsed:.1f} {int('oci' in sys.modules)} {int('httpx' in sys.modules)} {peak_kb} {ours_ms:.1f}", file=sys.stderr
)
