"""Doctor's bucket checks: a probe object written, read back and deleted in each configured bucket.

The probe is `doctor/probe-<role>` (one name per role, so a bucket serving two roles is probed twice
without the probes meeting), outside every prefix the forwarder reads (`dead-letter/`, `checkpoints/`,
report dates), written only if absent (If-None-Match: *), so a probe an earlier run could not delete is
found again rather than piled up. The function's own policy on the dead-letter bucket allows only
OBJECT_CREATE: there a refused read and delete is what the policy intends, and the check says what
replay-dead-letter needs instead.
"""

from __future__ import annotations

from forwarder.doctor import FAIL, OK, WARN, Check
from forwarder.retry import Failure

PROBE = "doctor/probe-"
BODY = b"oci-security-forwarder doctor probe: safe to delete\n"


def _buckets(settings) -> list[tuple[str, str, str, str | None]]:
    """(key, role, bucket, namespace) of each configured bucket."""
    found = []
    if settings.dead_letter is not None:
        found.append(("DEAD_LETTER_BUCKET", "dead-letter", settings.dead_letter.bucket, settings.dead_letter.namespace))
    c = settings.collect
    if c.checkpoint_bucket:
        found.append(("CHECKPOINT_BUCKET", "checkpoint", c.checkpoint_bucket, c.checkpoint_namespace))
    if settings.report.bucket:
        found.append(("REPORT_BUCKET", "report", settings.report.bucket, settings.report.namespace))
    return found


def buckets(probe) -> list[Check]:
    """Write, read and delete the probe object in each configured bucket."""
    return [_one(probe, key, PROBE + role, name, ns) for key, role, name, ns in _buckets(probe.settings)]


buckets.needs_principal = True


def _one(probe, key: str, probe_name: str, name: str, namespace: str | None) -> Check:
    from forwarder.oci.bucket import Bucket

    bucket = Bucket(probe.clients, name, namespace)
    label = f"bucket {key}"
    grant = f"Allow {probe.subject} to manage objects in tenancy where target.bucket.name = '{name}'"
    try:
        bucket.put(probe_name, BODY, deadline=probe.step(), content_type="text/plain", if_none_match="*")
        written = "wrote"
    except Failure as failure:
        if failure.status in (409, 412):
            written = "found (an earlier run's)"
        elif failure.status in (401, 403, 404):
            return Check(
                label,
                FAIL,
                f"cannot write {bucket.where(probe_name)}: {failure.reason}",
                f"create the bucket {name!r} (Terraform does), or add the policy statement: {grant}",
            )
        else:
            raise
    try:
        found = bucket.get(probe_name, probe.step())
        bucket.delete(probe_name, probe.step())
    except Failure as failure:
        if failure.status not in (401, 403, 404):
            raise
        if key != "DEAD_LETTER_BUCKET":
            return Check(label, FAIL, f"{written} the probe, but cannot read or delete it: {failure.reason}", grant)
        operator = f"Allow group <operators> to manage objects in tenancy where target.bucket.name = '{name}'"
        replay = (
            f"the function may only create dead letters here, as its policy intends; {probe_name} stays. "
            f"replay-dead-letter needs a principal allowed to read and delete: {operator}"
        )
        function = probe.auth in ("resource_principal", "instance_principal")
        return Check(label, OK if function else WARN, f"{written} {bucket.where(probe_name)}; {replay}", operator)
    if found is None or found[0] != BODY:
        return Check(label, FAIL, f"{written} {bucket.where(probe_name)} but read back something else", None)
    return Check(label, OK, f"{written}, read and deleted {bucket.where(probe_name)}")


CHECKS = (buckets,)
