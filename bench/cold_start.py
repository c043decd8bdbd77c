"""One cold start, as a fresh function container does it: import func, handle one event.

Run as a child process by bench/run.py. No sink is configured, so no OCI call and no network:
the record goes to the log sink (stdout, sent to /dev/null by the parent). Prints the in-process
milliseconds, whether `oci` was imported, and peak RSS (VmHWM, kB) on its last stderr line.
"""

import io
import sys
import time

start = time.perf_counter()
from fdk import context  # noqa: E402

import func  # noqa: E402

body = open(sys.argv[1], "rb").read()
ctx = context.InvokeContext("app", "app", "fn", "fn", "call-1", content_type="application/json", config={}, headers={})
response = func.handler(ctx, io.BytesIO(body))
elapsed = (time.perf_counter() - start) * 1000
assert response.status() == 200, response.body()
peak_kb = next(line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM"))
print(f"{elapsed:.1f} {int('oci' in sys.modules)} {peak_kb}", file=sys.stderr)
