"""`doctor`: every link of a deployment checked, each failure named with its fix.

`run(settings, clients, auth, deadline)` runs every check this configuration calls for and returns a
list of `Check` (name, `ok` / `warn` / `fail`, what was tried or found, the fix). The checks live by what
they reach: `doctor.tenancy` (the principal, regions, audit retention, Cloud Guard, each OCI permission
the configuration needs, Vault secrets, the Notifications topic), `doctor.deployment` (the function, its
Events rules and Connector Hub connectors), `doctor.buckets` (a probe object
written, read and deleted in each bucket) and `doctor.network` (each SIEM sink, the ticket system, Redis).
Nothing is sent to a SIEM or ticket system: where a protocol has no harmless probe, the check says what it
could not check. A check that raises is itself a `fail` naming the error: doctor never stops half-way.

Used by `python -m forwarder doctor` (a table, or `--json`) and the task body `{"task": "doctor"}` (JSON).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

OK, WARN, FAIL = "ok", "warn", "fail"

#: Most seconds one check waits on one answer (an OCI call, a connect, a handshake).
STEP_SECONDS = 15.0
#: What OCI answers a refused read: 401, the signature refused (the principal is broken); 404
#: NotAuthorizedOrNotFound or 403, a policy statement missing or the resource absent, which the service does
#: not tell apart, so a fix names both.
DENIED = (401, 403, 404)
SIGNATURE_FIX = (
    "an API key: upload its public key to the user and check the profile's fingerprint; a resource principal: "
    "the function must match its dynamic group's rule (resource.id or resource.compartment.id)"
)


@dataclass
class Check:
    """One check's result.

    Attributes:
        name: what was checked, e.g. "principal", "sink syslog tls", "bucket DEAD_LETTER_BUCKET".
        status: "ok", "warn" or "fail".
        detail: what was tried and what was found (never a secret).
        fix: what to change when not ok (a policy statement, a setting), else None.
    """

    name: str
    status: str
    detail: str
    fix: str | None = None

    def to_dict(self) -> dict[str, str | None]:
        return {"check": self.name, "status": self.status, "detail": self.detail, "fix": self.fix}


class Refused(Exception):
    """An OCI read refused (`DENIED`): `check` says which statement it needs; the check raising it ends there."""

    def __init__(self, check: Check):
        super().__init__(check.detail)
        self.check = check


class Probe:
    """What the checks share: the settings, the principal's clients and auth mode, the deadline (time.monotonic())."""

    def __init__(self, settings, clients, auth: str, deadline: float, function_id: str | None = None):
        self.settings = settings
        self.function_id = function_id  #: the function whose rules and connectors are checked (else FN_FN_ID)
        self.clients = clients
        self.auth = auth
        self.deadline = deadline
        self.reporting_region: str | None = None  #: Cloud Guard's, once its check has read it

    def step(self) -> float:
        """The deadline of one step: STEP_SECONDS from now, or the whole run's deadline if sooner."""
        return min(self.deadline, time.monotonic() + STEP_SECONDS)

    def read(self, label: str, grant: str, operation, *args, severity: str = FAIL, resource: str = "", **kwargs):
        """The data of one OCI read (`forwarder.oci.calls.call`, within `step()`).

        Raises:
            Refused: OCI refused it (`DENIED`): a check named `label`, `severity` (a 401 always fails),
                whose fix is the statement "Allow <subject> to <grant>" (and `resource`, which may be absent).
            forwarder.retry.Failure: any other failure.
        """
        from forwarder.oci.calls import call
        from forwarder.retry import Failure

        try:
            return call(operation, *args, deadline=self.step(), **kwargs).data
        except Failure as failure:
            if failure.status not in DENIED:
                raise
            raise Refused(self.refusal(label, failure, grant, severity, resource)) from None

    def refusal(self, label: str, failure, grant: str, severity: str = FAIL, resource: str = "") -> Check:
        """The check of a read OCI refused (`failure.status` in DENIED): see `read`."""
        if failure.status == 401:
            return Check(label, FAIL, f"{failure.reason}: the signature was refused", SIGNATURE_FIX)
        fix = f"add the policy statement: Allow {self.subject} to {grant}"
        return Check(label, severity, failure.reason, fix + (f"; or {resource} does not exist" if resource else ""))

    @property
    def subject(self) -> str:
        """Whom a policy statement names: the function's dynamic group, or the API key user's group."""
        if self.auth in ("resource_principal", "instance_principal"):
            return "dynamic-group <this function's dynamic group>"
        return "group <a group of this user>"


def run(settings, clients, auth: str, deadline: float, function_id: str | None = None) -> list[Check]:
    """Every check for `settings`, in order: OCI (principal first), buckets, sinks, tickets, Redis.

    Args:
        settings: `forwarder.settings.Settings`.
        clients: `forwarder.oci.clients.Clients` of the principal checked.
        auth: its mode (`forwarder.oci.auth.AUTH_MODES`), for the policy statements' subject.
        deadline: time.monotonic() by which every check has answered (a late check fails as timed out).
        function_id: the function whose Events rules and connectors are checked (default FN_FN_ID: the
            function running the task; none from the CLI without `--function`).
    Returns:
        The checks, each `ok`, `warn` or `fail`.
    """
    from forwarder.doctor import buckets, deployment, network, tenancy

    probe = Probe(settings, clients, auth, deadline, function_id)
    checks: list[Check] = []
    principal_ok = True
    for group in (tenancy.CHECKS, deployment.CHECKS, buckets.CHECKS, network.CHECKS):
        for check in group:
            if getattr(check, "needs_principal", False) and not principal_ok:
                continue  # every OCI call would fail the same way: the principal check says why
            if time.monotonic() >= deadline:
                checks.append(Check(check.__name__.strip("_"), FAIL, "not run: no time left before the deadline"))
                continue
            try:
                found = check(probe)
            except Refused as refused:
                found = [refused.check]
            except Exception as exc:  # a check's own failure is a result, never the end of the run
                found = [Check(check.__name__.strip("_"), FAIL, f"{type(exc).__name__}: {exc}")]
            found = [found] if isinstance(found, Check) else list(found or ())
            if check is tenancy.principal and any(c.status == FAIL for c in found):
                principal_ok = False
            checks += found
    return checks


def exit_status(checks: list[Check]) -> int:
    """0 when no check failed, else 1 (warnings do not fail)."""
    return 1 if any(c.status == FAIL for c in checks) else 0


def answer(checks: list[Check]) -> dict:
    """The JSON answer: `{"doctor": "ok"|"warn"|"fail", "checks": [...]}` (the worst status first)."""
    worst = FAIL if exit_status(checks) else WARN if any(c.status == WARN for c in checks) else OK
    return {"doctor": worst, "checks": [c.to_dict() for c in checks]}


def table(checks: list[Check], width: int = 100) -> str:
    """The checks as a terminal table: status, check, detail; each fix on its own line below."""
    import textwrap

    name_width = min(max((len(c.name) for c in checks), default=5), 36)
    lines = []
    for c in checks:
        head = f"{c.status.upper():4}  {c.name:<{name_width}}  "
        wrap = dict(break_on_hyphens=False, break_long_words=False)  # a policy verb stays whole
        body = textwrap.wrap(c.detail, max(width - len(head), 30), **wrap) or [""]
        lines.append(head + body[0])
        lines += [" " * len(head) + more for more in body[1:]]
        if c.fix and c.status != OK:
            for i, part in enumerate(textwrap.wrap(c.fix, max(width - len(head) - 5, 30), **wrap)):
                lines.append(" " * len(head) + ("fix: " if i == 0 else "     ") + part)
    failed = sum(c.status == FAIL for c in checks)
    warned = sum(c.status == WARN for c in checks)
    lines.append(f"{len(checks)} checks: {len(checks) - failed - warned} ok, {warned} warn, {failed} fail")
    return "\n".join(lines)
