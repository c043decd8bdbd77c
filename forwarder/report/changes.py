"""What counts as a change, and what kind: the one table of the daily change report (docs/report.md).

An audit record is a change when its HTTP action (`request.action`) is one of CHANGE_ACTIONS and its
event name (`data.eventName`) is not a read sent as POST (`ListMetrics`, `SearchResources`,
`SummarizeMetricsData`, `RequestSummarizedUsages`, KMS `Encrypt`, ...). A change's kind comes from the
first rule of NAME_RULES whose pattern matches its event name, else from its HTTP action
(ACTION_KINDS). A change answered with status >= 400 is an attempted change (`outcome` "failed"),
counted apart from done ones. CATEGORIES calls out IAM, network and security changes by service (the
third part of the event type, `com.oraclecloud.<service>.<EventName>`).

`CHANGE_QUERY` is the Logging Search filter that leaves reads (GET, HEAD) out at the source; the table
still decides, so a read that reaches the report is not counted.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

#: HTTP actions of a change request; GET and HEAD never change anything.
CHANGE_ACTIONS = ("POST", "PUT", "PATCH", "DELETE")
#: The kinds, in report order.
KINDS = ("create", "update", "delete")
#: The kind of a change whose event name no rule knows.
ACTION_KINDS = {"POST": "create", "PUT": "update", "PATCH": "update", "DELETE": "delete"}


class NameRule(NamedTuple):
    """A rule of the table: event names matching `pattern` (a regular expression matched at the start)
    are `verdict`: "read" (not a change) or a kind; `shown` is the pattern in words, for docs/report.md."""

    pattern: str
    verdict: str
    shown: str
    examples: str


def _verbs(verdict: str, verbs: tuple[str, ...], examples: str) -> NameRule:
    """Event names starting with one of `verbs` as a whole CamelCase word (`Add` matches `AddUserToGroup`,
    not `AddressList`)."""
    return NameRule("(?:" + "|".join(verbs) + ")(?=[A-Z0-9_]|$)", verdict, ", ".join(verbs), examples)


#: First match wins. Reads first (POST reads are common), then the deletion special cases, then verbs.
NAME_RULES: tuple[NameRule, ...] = (
    _verbs(
        "read",
        (
            "List",
            "Get",
            "Search",
            "Summarize",
            "Head",
            "Query",
            "Lookup",
            "Preview",
            "Validate",
            "Check",
            "Estimate",
            "Analyze",
            "Compare",
            "Test",
            "Retrieve",
            "Download",
            "Verify",
            "View",
            "Describe",
            "Fetch",
            "Count",
            "Filter",
        ),
        "ListMetrics, SearchResources, SummarizeMetricsData, ValidateRule (reads sent as POST)",
    ),
    NameRule(
        r"Request\w*Summar", "read", "Request…Summar…", "RequestSummarizedUsages, RequestSummarizedConfigurations"
    ),
    _verbs(
        "read",
        ("Encrypt", "Decrypt", "ReEncrypt", "Sign", "GenerateDataEncryptionKey", "ExportKey"),
        "KMS Encrypt, Decrypt, Sign, GenerateDataEncryptionKey (use of a key, not a change)",
    ),
    NameRule(
        r"Cancel\w*Deletion$",
        "update",
        "Cancel…Deletion",
        "CancelKeyDeletion, CancelVaultDeletion (a deletion called off)",
    ),
    NameRule(r"Schedule\w*Deletion$", "delete", "Schedule…Deletion", "ScheduleKeyDeletion, ScheduleVaultDeletion"),
    _verbs(
        "delete",
        (
            "Delete",
            "Terminate",
            "Remove",
            "Detach",
            "Cancel",
            "Purge",
            "Revoke",
            "Destroy",
            "Unregister",
            "Uninstall",
            "Abort",
            "Unsubscribe",
            "Disassociate",
        ),
        "DeleteBucket, TerminateInstance, RemoveUserFromGroup, DetachVolume, CancelWorkRequest",
    ),
    _verbs(
        "create",
        (
            "Create",
            "Launch",
            "Upload",
            "Add",
            "Import",
            "Register",
            "Clone",
            "Copy",
            "Install",
            "Provision",
            "Generate",
            "Issue",
            "Subscribe",
            "Instantiate",
            "Enroll",
            "Invite",
        ),
        "CreateUser, LaunchInstance, UploadApiKey, AddUserToGroup, ImportImage, CopyObject",
    ),
    _verbs(
        "update",
        (
            "Update",
            "Change",
            "Put",
            "Attach",
            "Move",
            "Enable",
            "Disable",
            "Set",
            "Start",
            "Stop",
            "Reset",
            "Restart",
            "Reboot",
            "Rotate",
            "Renew",
            "Scale",
            "Patch",
            "Apply",
            "Activate",
            "Deactivate",
            "Rename",
            "Resize",
            "Replace",
            "Restore",
            "Upgrade",
            "Modify",
            "Edit",
            "Assign",
            "Unassign",
            "Associate",
            "Reinstate",
            "Resume",
            "Pause",
            "Suspend",
            "Failover",
            "Switchover",
            "Promote",
            "Approve",
            "Reject",
            "Accept",
            "Lock",
            "Unlock",
            "Migrate",
            "Publish",
            "Unpublish",
            "Configure",
            "Override",
        ),
        "UpdatePolicy, ChangeCompartment, PutObjectLifecyclePolicy, AttachVolume, MoveResource",
    ),
    NameRule(r"\w+Action$", "update", "…Action", "InstanceAction, DbNodeAction (start, stop, reset, ...)"),
)

#: Services whose changes the report calls out, by category (docs/report.md).
CATEGORIES: dict[str, tuple[str, ...]] = {
    "iam": tuple("identitycontrolplane identity identitydomains identityprovider identitydataplane".split()),
    "network": tuple(
        """virtualnetwork natgateway servicegateway internetgateway drg loadbalancer networkloadbalancer dns
        networkfirewall vnmonitoring fastconnect vpn""".split()
    ),
    "security": tuple(
        """cloudguard keymanagementservice kms vaults secrets bastion waf waas certificatesmanagement certificates
        audit logging vulnerabilityscanning datasafe securityzones eventsservice""".split()
    ),
}
_CATEGORY_OF = {service: category for category, services in CATEGORIES.items() for service in services}

#: The Logging Search filter stage: changes only (documented syntax: `| field = 'value' or ...`).
CHANGE_QUERY = " or ".join(f"data.request.action = '{action}'" for action in CHANGE_ACTIONS)

_COMPILED = tuple((re.compile(rule.pattern), rule.verdict) for rule in NAME_RULES)
_VERDICTS: dict[str, str | None] = {}  #: event name -> verdict (None: no rule); names are few, bounded below
_MAX_CACHED = 20_000


def verdict(event_name: str | None) -> str | None:
    """The verdict of NAME_RULES for an event name ("read", "create", "update", "delete"), or None."""
    if not event_name:
        return None
    found = _VERDICTS.get(event_name, "")
    if found != "":
        return found
    found = next((v for pattern, v in _COMPILED if pattern.match(event_name)), None)
    if len(_VERDICTS) < _MAX_CACHED:
        _VERDICTS[event_name] = found
    return found


def classify(action: str | None, event_name: str | None) -> str | None:
    """The kind of a request ("create", "update", "delete"), or None when it is not a change.

    Args:
        action: the HTTP method (`request.action`), any case.
        event_name: the audit `eventName` (`CreateBucket`), or None.
    """
    method = (action or "").upper()
    if method not in ACTION_KINDS:
        return None
    found = verdict(event_name)
    if found == "read":
        return None
    return found or ACTION_KINDS[method]


def is_read_post(action: str | None, event_name: str | None) -> bool:
    """A read sent with a change action (counted as excluded, never as a change)."""
    return (action or "").upper() in ACTION_KINDS and verdict(event_name) == "read"


def category(service: str | None) -> str | None:
    """ "iam", "network", "security" or None for a service name (lower case)."""
    return _CATEGORY_OF.get(service or "")


def service_of(event_type: str | None) -> str:
    """The service of an audit event type: `com.oraclecloud.ObjectStorage.CreateBucket` -> `objectstorage`."""
    parts = (event_type or "").split(".")
    return parts[2].lower() if len(parts) > 3 else (parts[-2].lower() if len(parts) > 1 else "")


def failed(status: Any) -> bool:
    """A response status of 400 or more (`"404"`, `409`); a missing or unreadable status is not a failure."""
    text = str(status or "").strip()[:3]
    return text.isdigit() and int(text) >= 400


def markdown_table() -> str:
    """The table of the rules in docs/report.md, in order."""
    rows = ["| event name starts with | counted as | examples |", "|---|---|---|"]
    for rule in NAME_RULES:
        counted = "not a change" if rule.verdict == "read" else rule.verdict
        rows.append(f"| {rule.shown} | {counted} | {rule.examples} |")
    actions = ", ".join(f"{a} → {k}" for a, k in ACTION_KINDS.items())
    rows.append(f"| (any other name) | by HTTP action: {actions} | a name no rule knows, sent as POST → create |")
    return "\n".join(rows)


class Change(NamedTuple):
    """One change as the report lists it (a CSV row, an HTML table row). Strings may be empty."""

    time: str  #: RFC 3339 in the report's time zone, milliseconds
    outcome: str  #: "done" or "failed"
    kind: str  #: one of KINDS
    category: str  #: "iam", "network", "security" or ""
    service: str
    event_name: str
    action: str  #: HTTP method
    principal_name: str
    principal_id: str
    auth_type: str
    ip: str
    resource_name: str
    resource_id: str
    compartment_name: str
    compartment_id: str
    region: str
    status: str
    request_id: str
    event_id: str


#: CSV header (Change's fields).
COLUMNS = Change._fields
