"""The ticket systems' configuration (TICKET_*): keys, typed settings, and the checks of combinations.

`sections(c)` gives the settings of the one ticket system configured (or None), raising `ConfigError`
naming the key to change; `build` makes the tracker from them.
"""

from __future__ import annotations

import logging
from typing import Any, NamedTuple

from forwarder.config import SECRET, ConfigError, Key, hidden_repr
from forwarder.config import values as v
from forwarder.normalize.record import RISK_LEVELS

log = logging.getLogger("forwarder")

#: The PagerDuty Events API v2 endpoint, TICKET_URL's default for TICKET_SYSTEM=pagerduty.
PAGERDUTY_URL = "https://events.pagerduty.com/v2/enqueue"

KEYS: tuple[Key, ...] = (
    Key(
        "TICKET_SYSTEM",
        v.choice("servicenow", "jira", "pagerduty", "oracle-service-cloud", "none"),
        "none",
        "servicenow",
        "Ticket system for Cloud Guard problems: `servicenow`, `jira`, `pagerduty`, `oracle-service-cloud` "
        "(Oracle B2C Service incidents) or `none`.",
    ),
    Key(
        "TICKET_URL",
        v.url("http", "https"),
        None,
        "https://example.service-now.com",
        "ServiceNow instance, Jira Cloud site or Oracle B2C Service site URL (`https://<site>.custhelp.com`; "
        "required for those); the PagerDuty Events API URL.",
        shown=f"PagerDuty: {PAGERDUTY_URL}",
    ),
    Key(
        "TICKET_MIN_RISK",
        v.choice(*RISK_LEVELS, fold=str.upper),
        "CRITICAL",
        "HIGH",
        "Lowest risk level that opens a ticket: CRITICAL, HIGH, MEDIUM, LOW or MINOR (any case).",
        shown="CRITICAL",
    ),
    Key(
        "TICKET_SECRET_OCID",
        SECRET,
        None,
        "ocid1.vaultsecret.oc1..aaaa",
        "Vault secret holding the ticket credentials as JSON: ServiceNow and Oracle B2C Service "
        '`{"username", "password"}`, Jira `{"email", "api_token"}`, PagerDuty `{"routing_key"}`.',
    ),
    Key(
        "TICKET_USERNAME",
        v.text,
        None,
        "svc-oci-forwarder",
        "ServiceNow or Oracle B2C Service user, or Jira account email, for local use (with TICKET_PASSWORD; a "
        "warning is logged).",
        scope="local",
    ),
    Key(
        "TICKET_PASSWORD",
        v.text,
        None,
        "(a password or Jira API token)",
        "ServiceNow password or Jira API token, for local use (a warning is logged).",
        scope="local",
        secret=True,
    ),
    Key(
        "TICKET_ROUTING_KEY",
        v.text,
        None,
        "R0123456789ABCDEF0123456789ABCDEF",
        "PagerDuty integration (routing) key, for local use (a warning is logged).",
        scope="local",
        secret=True,
    ),
    Key("TICKET_JIRA_PROJECT", v.text, None, "SEC", "Jira project key (required for Jira)."),
    Key("TICKET_JIRA_ISSUE_TYPE", v.text, "Task", "Bug", "Jira issue type name.", shown="Task"),
    Key(
        "TICKET_SERVICENOW_CLOSE_CODE",
        v.text,
        "Solution provided",
        "Resolved by caller",
        "ServiceNow close code used when a problem is remediated or dismissed.",
        shown="Solution provided",
    ),
    Key(
        "TICKET_SERVICE_CLOUD_CONTACT_ID",
        v.integer(1, 2**31 - 1),
        None,
        "1339",
        "Oracle B2C Service: the contact id every incident names as its primary contact (required there).",
    ),
    Key(
        "TICKET_SERVICE_CLOUD_KEY_FIELD",
        v.identifier,
        "oci_problem_key",
        "oci_key",
        "Oracle B2C Service: the incidents' custom text field (`customFields.c.<name>`) holding the problem key, "
        "by which an open incident is found before one is created.",
    ),
)


class TicketSettings(NamedTuple):
    """Which ticket system, where, and from which risk level (TICKET_*)."""

    system: str  #: "servicenow", "jira" or "pagerduty"
    url: str
    min_risk: str
    secret_ocid: str | None
    username: str | None
    password: str | None
    routing_key: str | None
    jira_project: str | None
    jira_issue_type: str
    servicenow_close_code: str
    service_cloud_contact_id: int | None = None
    service_cloud_key_field: str = "oci_problem_key"

    def __repr__(self) -> str:
        return hidden_repr(self, ("password", "routing_key"))


def sections(c: dict[str, Any]) -> dict[str, Any]:
    """The tickets' part of `forwarder.settings.Settings`."""
    return {"tickets": tickets(c)}


def tickets(c: dict[str, Any]) -> TicketSettings | None:
    system = c["TICKET_SYSTEM"]
    if system == "none":
        return None
    url = c["TICKET_URL"]
    if url is None:
        if system != "pagerduty":
            raise ConfigError(f"TICKET_URL: expected the {system} URL (https://...) for TICKET_SYSTEM={system}")
        url = PAGERDUTY_URL
    secret = c["TICKET_SECRET_OCID"]
    needed = ("TICKET_ROUTING_KEY",) if system == "pagerduty" else ("TICKET_USERNAME", "TICKET_PASSWORD")
    if secret and any(c[k] for k in needed):
        raise ConfigError(f"TICKET_SECRET_OCID: set either TICKET_SECRET_OCID or {' and '.join(needed)}, not both")
    if not secret:
        missing = [k for k in needed if not c[k]]
        if missing:
            needs = " and ".join(missing)
            raise ConfigError(f"TICKET_SECRET_OCID: {system} needs credentials: a Vault secret, or {needs}")
        log.warning("%s set in plaintext config; use TICKET_SECRET_OCID (OCI Vault)", " and ".join(needed))
    if system == "jira" and not c["TICKET_JIRA_PROJECT"]:
        raise ConfigError("TICKET_JIRA_PROJECT: expected the Jira project key for TICKET_SYSTEM=jira")
    if system == "oracle-service-cloud" and not c["TICKET_SERVICE_CLOUD_CONTACT_ID"]:
        raise ConfigError(
            "TICKET_SERVICE_CLOUD_CONTACT_ID: expected the contact id incidents name as primary contact "
            "for TICKET_SYSTEM=oracle-service-cloud"
        )
    return TicketSettings(
        system=system,
        url=url,
        min_risk=c["TICKET_MIN_RISK"],
        secret_ocid=secret,
        username=c["TICKET_USERNAME"],
        password=c["TICKET_PASSWORD"],
        routing_key=c["TICKET_ROUTING_KEY"],
        jira_project=c["TICKET_JIRA_PROJECT"],
        jira_issue_type=c["TICKET_JIRA_ISSUE_TYPE"],
        servicenow_close_code=c["TICKET_SERVICENOW_CLOSE_CODE"],
        service_cloud_contact_id=c["TICKET_SERVICE_CLOUD_CONTACT_ID"],
        service_cloud_key_field=c["TICKET_SERVICE_CLOUD_KEY_FIELD"],
    )


def build(t: TicketSettings, clients, timeout: float):
    """The ticket tracker for `t` (`tracker.Tracker` over the system's API), its credentials read from the
    Vault secret once (JSON: ServiceNow and Oracle B2C Service `username`/`password`, Jira `email`/`api_token`,
    PagerDuty `routing_key`) and registered as secrets.

    Raises:
        forwarder.oci.vault.SecretError: the secret cannot be read, is not JSON, or lacks a field.
    """
    from forwarder.oci.vault import SecretError, read_secret
    from forwarder.runtime.scrub import register
    from forwarder.tickets.tracker import Tracker

    username, password, routing_key = t.username, t.password, t.routing_key
    if t.secret_ocid:
        from forwarder.jsoncodec import loads

        raw = read_secret(t.secret_ocid, key="TICKET_SECRET_OCID", clients=clients)
        try:
            creds = loads(raw)
        except (ValueError, RecursionError):
            creds = None
        if not isinstance(creds, dict):
            raise SecretError("TICKET_SECRET_OCID: the secret is not a JSON object")
        username = creds.get("username") or creds.get("email")
        password = creds.get("password") or creds.get("api_token")
        routing_key = creds.get("routing_key")
        wanted = ("routing_key",) if t.system == "pagerduty" else ("username/email", "password/api_token")
        values = (routing_key,) if t.system == "pagerduty" else (username, password)
        missing = [name for name, value in zip(wanted, values, strict=True) if not value]
        if missing:
            raise SecretError(f"TICKET_SECRET_OCID: the secret lacks {', '.join(missing)} for {t.system}")
    register(password, routing_key)
    if t.system == "servicenow":
        from forwarder.tickets.servicenow import ServiceNow

        system = ServiceNow(t.url, username, password, close_code=t.servicenow_close_code, timeout=timeout)
    elif t.system == "oracle-service-cloud":
        from forwarder.tickets.service_cloud import OracleServiceCloud

        system = OracleServiceCloud(
            t.url,
            username,
            password,
            contact_id=t.service_cloud_contact_id,
            key_field=t.service_cloud_key_field,
            timeout=timeout,
        )
    elif t.system == "jira":
        from forwarder.tickets.jira import Jira

        system = Jira(t.url, username, password, project=t.jira_project, issue_type=t.jira_issue_type, timeout=timeout)
    else:
        from forwarder.tickets.pagerduty import PagerDuty

        system = PagerDuty(t.url, routing_key, timeout=timeout)
    return Tracker(system, min_risk=t.min_risk)
