"""`make demo`, the operate part: `python -m forwarder doctor` against the demo's stand-ins, one policy
statement missing on purpose, so its failure and the statement that fixes it are printed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def doctor(work: Path, receiver) -> int:
    """doctor with Cloud Guard's read refused (404, as OCI answers a missing policy); 0 when exactly that
    check fails, with its fix, and the syslog receiver's TLS certificate is verified."""
    from tests.support.oci import resource_principal
    from tests.support.oci_apis import OciApis

    (work / "doctor").mkdir(exist_ok=True)
    principal = resource_principal(work / "doctor")
    apis = OciApis(principal, name="acme-prod")
    apis.fail[("cloudguard", "us-ashburn-1", "")] = 404  # the collector's policy lacks read cloud-guard-family
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SIEM_", "COLLECT_", "CHECKPOINT_"))}
    env.update(
        principal.env,
        **apis.endpoints,
        SIEM_SYSLOG_URL=receiver.url("tls"),
        SIEM_SYSLOG_CA_CERT=str(receiver.ca),
        COLLECT_SOURCES="audit,cloudguard",
        COLLECT_AUDIT_METHOD="list-events",
    )
    print('\n=== Operate: python -m forwarder doctor (in the function: the task body {"task": "doctor"})')
    print("    against the same kind of stand-ins, the collector's policy missing read cloud-guard-family on purpose")
    try:
        done = subprocess.run(
            [sys.executable, "-m", "forwarder", "doctor", "--auth", "resource_principal"],
            env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    finally:
        apis.close()
    for line in done.stdout.splitlines():
        print("  " + line)
    failed = [line for line in done.stdout.splitlines() if line.startswith("FAIL")]
    print(f"  exit {done.returncode}: the failing check names the policy statement to add")
    named = "to read cloud-guard-family in tenancy" in " ".join(done.stdout.split())
    expected = done.returncode == 1 and len(failed) == 2 and named
    return int(not expected)
