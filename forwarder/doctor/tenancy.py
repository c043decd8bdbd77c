"""Doctor's OCI checks: the principal, region subscriptions, audit retention, Cloud Guard, each permission the
configuration needs (one harmless read per OCI API it calls), the Vault secrets and the Notifications topic.
A refused read (`doctor.Probe.read`) ends its check with the policy statement it needs.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from forwarder.doctor import DENIED, FAIL, OK, SIGNATURE_FIX, WARN, Check, Refused
from forwarder.oci.auth import AuthError
from forwarder.oci.calls import call
from forwarder.retry import Failure

#: Audit retention below this many days is a warning (365 is the most OCI keeps, and the best practice).
RETENTION_DAYS = 365


def _needs_principal(check):
    check.needs_principal = True
    return check


def _tenancy_of(probe) -> str:
    return probe.settings.collect.tenancy or probe.clients.tenancy


def principal(probe) -> Check:
    """The principal signs, and which tenancy and region it is in (GetTenancy)."""
    try:
        tenancy, region = probe.clients.tenancy, probe.clients.home
    except AuthError as exc:
        return Check("principal", FAIL, f"{probe.auth}: {exc}", "see the message; `--auth` names the principal")
    who = f"{probe.auth}, tenancy {tenancy}, region {region}"
    try:
        data = call(probe.clients.get("identity").get_tenancy, tenancy, deadline=probe.step()).data
    except Failure as failure:
        if failure.status == 401:
            return Check("principal", FAIL, f"{who}: {failure.reason}: the signature was refused", SIGNATURE_FIX)
        if failure.status in DENIED:  # signed and accepted: only the name is out of reach
            return Check("principal", OK, f"{who} (its name needs `inspect tenancies`)")
        raise
    return Check("principal", OK, f"{who}, named {data.get('name')!r}")


def _reads_tenancy(settings) -> bool:
    """Whether this configuration lists regions and compartments (a collector of an API, or a reporter)."""
    return bool(set(settings.collect.sources) - {"stream"}) or bool(settings.report.bucket)


@_needs_principal
def regions(probe) -> Check:
    """The tenancy's region subscriptions (ListRegionSubscriptions), and COLLECT_REGIONS among them."""
    severity = FAIL if _reads_tenancy(probe.settings) else WARN
    identity = probe.clients.get("identity")
    grant = "inspect tenancies in tenancy"
    data = probe.read(
        "region subscriptions", grant, identity.list_region_subscriptions, _tenancy_of(probe), severity=severity
    )
    ready = sorted(r["regionName"] for r in data or () if (r.get("status") or "READY") == "READY")
    wanted = probe.settings.collect.regions or ()
    missing = [r for r in wanted if r not in ready]
    if missing:
        return Check(
            "region subscriptions",
            FAIL,
            f"COLLECT_REGIONS names {', '.join(missing)}, not subscribed; subscribed: {', '.join(ready)}",
            "subscribe the tenancy to the region (Console: Governance > Region management), or drop it from "
            "COLLECT_REGIONS",
        )
    return Check("region subscriptions", OK, f"{len(ready)} subscribed: {', '.join(ready)}")


@_needs_principal
def audit_retention(probe) -> Check:
    """The Audit service's retention period (GetConfiguration): a warning below RETENTION_DAYS."""
    tenancy = _tenancy_of(probe)
    audit = probe.clients.get("audit")
    data = probe.read(
        "audit retention", "inspect tenancies in tenancy", audit.get_configuration, tenancy, severity=WARN
    )
    days = (data or {}).get("retentionPeriodDays")
    if not isinstance(days, int) or days < RETENTION_DAYS:
        return Check(
            "audit retention",
            WARN,
            f"audit events are kept {days} days: a backfill or report cannot reach further back",
            f"set the tenancy's Audit retention period to {RETENTION_DAYS} days (the most): Console > Identity & "
            f"Security > Audit > Configuration, or `oci audit config update --compartment-id {tenancy} "
            f"--retention-period-days {RETENTION_DAYS}`",
        )
    return Check("audit retention", OK, f"audit events are kept {days} days")


@_needs_principal
def cloud_guard(probe) -> Check:
    """Cloud Guard is enabled, and its reporting region is where this function's Events rules see problems."""
    tenancy, region = _tenancy_of(probe), probe.clients.home
    needed = "cloudguard" in probe.settings.collect.sources
    guard = probe.clients.get("cloudguard")
    grant = "read cloud-guard-family in tenancy"
    data = probe.read("cloud guard", grant, guard.get_configuration, tenancy, severity=FAIL if needed else WARN) or {}
    status, reporting = data.get("status"), data.get("reportingRegion")
    probe.reporting_region = reporting
    if status != "ENABLED":
        return Check(
            "cloud guard",
            WARN if not needed else FAIL,
            f"Cloud Guard is {status or 'not enabled'}: no problem events are raised",
            "enable Cloud Guard (Console: Identity & Security > Cloud Guard > Enable), choosing its reporting region",
        )
    if reporting and reporting != region:
        return Check(
            "cloud guard",
            WARN,
            f"enabled, reporting region {reporting}; this function runs in {region}: Events rules here see no "
            "problem events (they are emitted in the reporting region only)",
            f"put the Cloud Guard Events rule in {reporting} (Terraform: region = {reporting!r}), or collect "
            "problems with COLLECT_SOURCES=cloudguard",
        )
    return Check("cloud guard", OK, f"enabled, reporting region {reporting}")


def _window() -> tuple[datetime, datetime]:
    """The last whole minute (ListEvents takes whole minutes): the smallest harmless read."""
    end = datetime.now(UTC).replace(second=0, microsecond=0)
    return end - timedelta(minutes=1), end


@_needs_principal
def permissions(probe) -> list[Check]:
    """One harmless read per OCI API the configuration calls, each naming the statement it needs."""
    from forwarder.oci.realms import region_of
    from forwarder.sources.api.audit import audit_query

    s, out = probe.settings, []
    tenancy = _tenancy_of(probe)
    top = s.collect.compartment or tenancy
    reads_audit = "audit" in s.collect.sources or bool(s.report.bucket)
    start, end = _window()
    tries = []
    if _reads_tenancy(s):
        identity = probe.clients.get("identity")
        op = (identity.list_compartments, (tenancy,), {"compartment_id_in_subtree": True, "limit": 1})
        tries.append(("read compartments", "inspect compartments in tenancy", op))
    if reads_audit and s.collect.audit_method == "list-events":
        op = (probe.clients.get("audit").list_events, (top, start, end), {})
        tries.append(("read audit events", "read audit-events in tenancy", op))
    elif reads_audit:
        tries.append(("read audit events", "read audit-events in tenancy", _search(probe, audit_query(top), start)))
    for name, query in s.collect.queries.items():
        search = _search(probe, query.replace("{compartment}", top), start)
        tries.append((f"read log search {name}", "read log-content in tenancy", search))
    if "cloudguard" in s.collect.sources:
        client = probe.clients.get("cloudguard", probe.reporting_region)  # problems are read there only
        window = {"time_last_detected_greater_than_or_equal_to": start, "compartment_id_in_subtree": True}
        op = (client.list_problems, (top,), {**window, "limit": 1})
        tries.append(("read cloud guard problems", "read cloud-guard-family in tenancy", op))
    for stream in s.collect.streams.streams if s.collect.streams else ():
        op = (probe.clients.get("streaming-admin", region_of(stream)).get_stream, (stream,), {})
        grant = f"use stream-pull in tenancy where target.stream.id = '{stream}'"
        tries.append((f"read stream {stream[-8:]}", grant, op))
    for name, grant, (operation, args, kwargs) in tries:
        try:
            probe.read(name, grant, operation, *args, **kwargs)
        except Refused as refused:
            out.append(refused.check)
            continue
        out.append(Check(name, OK, f"allowed ({getattr(operation, '__name__', 'call')})"))
    return out


def _search(probe, query: str, start: datetime):
    """A Logging Search of `query` over one minute, one result at most."""
    from oci.loggingsearch.models import SearchLogsDetails

    details = SearchLogsDetails(
        time_start=start, time_end=start + timedelta(minutes=1), search_query=query, is_return_field_info=False
    )
    return probe.clients.get("logsearch").search_logs, (details,), {"limit": 1}


@_needs_principal
def secrets(probe) -> list[Check]:
    """Each configured Vault secret can be read (GetSecretBundle); its value is never shown."""
    from forwarder.oci.vault import SecretError, read_secret

    s, out = probe.settings, []
    named = {
        "SIEM_SYSLOG_CLIENT_KEY_SECRET_OCID": s.syslog and s.syslog.client_key_secret_ocid,
        "SIEM_HTTP_TOKEN_SECRET_OCID": s.http and s.http.token_secret_ocid,
        "TICKET_SECRET_OCID": s.tickets and s.tickets.secret_ocid,
        "DETECTION_STATE_PASSWORD_SECRET_OCID": s.detection.password_secret_ocid,
    }
    for key, ocid in named.items():
        if not ocid:
            continue
        try:
            read_secret(ocid, key=key, clients=probe.clients)
        except SecretError as exc:
            statement = f"Allow {probe.subject} to read secret-bundles in tenancy where target.secret.id = '{ocid}'"
            out.append(Check(f"secret {key}", FAIL, str(exc), f"add the policy statement: {statement}"))
            continue
        out.append(Check(f"secret {key}", OK, "read (the value is not shown)"))
    return out


@_needs_principal
def topic(probe) -> Check | None:
    """The report's Notifications topic can be read (GetTopic); nothing is published."""
    ocid = probe.settings.report.topic
    if not ocid:
        return None
    grant = f"use ons-topics in tenancy where target.topic.id = '{ocid}'"
    get_topic = probe.clients.get("notification").get_topic
    data = probe.read("topic REPORT_TOPIC_OCID", grant, get_topic, ocid, resource="the topic")
    name = getattr(data, "name", None) or (data.get("name") if isinstance(data, dict) else None)
    return Check("topic REPORT_TOPIC_OCID", OK, f"topic {name!r} readable; nothing published")


CHECKS = (principal, regions, audit_retention, cloud_guard, permissions, secrets, topic)
