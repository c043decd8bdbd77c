"""The detector's configuration (DETECTION_*): keys, typed settings, and the checks of combinations."""

from __future__ import annotations

import logging
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from forwarder.config import PEM, SECRET, ConfigError, Key, hidden_repr
from forwarder.config import values as v

log = logging.getLogger("forwarder")

KEYS: tuple[Key, ...] = (
    Key(
        "DETECTION_RULES",
        v.rule_sources,
        (),
        "/function/rules,oci://sigma-rules@axaxnpcrorw5/oci/",
        "Your own Sigma rules, run beside the built-in pack: files or folders of `.yml` in the image, and "
        "`oci://<bucket>@<namespace>/<prefix>` (read with the resource principal at cold start), comma-separated.",
        shown="(built-in pack only)",
    ),
    Key(
        "DETECTION_DISABLE",
        v.rule_ids,
        frozenset(),
        "oci_discovery_burst,oci_short_user_agent",
        "Built-in rules to turn off, by id or name (`python -m forwarder rules list`), comma-separated; `all` turns "
        "the whole built-in pack off.",
        shown="(none)",
    ),
    Key(
        "DETECTION_PLACEHOLDERS",
        v.placeholders,
        {},
        '{"administrators_group_ids": ["ocid1.group.oc1..aaaa"]}',
        "Values of the Sigma placeholders rules test (`field|expand: '%name%'`), a JSON object of name -> list: "
        "`administrators_group_ids` lets the Administrators rule know the group by OCID when audit names no group.",
        shown="(none: placeholder tests match nothing)",
    ),
    Key(
        "DETECTION_STATE_URL",
        v.url("redis", "rediss"),
        None,
        "rediss://cache.example.oraclecloud.com:6379",
        "Redis (OCI Cache) holding the correlation windows of every container: `rediss://` is TLS, certificate "
        "verified. Unset: windows are counted per container (approximate).",
        shown="(per-container memory)",
    ),
    Key(
        "DETECTION_STATE_CA_CERT",
        PEM,
        None,
        "/function/cache-ca.pem",
        "CA bundle to verify the `rediss://` server: a file path or the PEM text itself.",
        shown="(system trust store)",
    ),
    Key(
        "DETECTION_STATE_PASSWORD_SECRET_OCID",
        SECRET,
        None,
        "ocid1.vaultsecret.oc1..aaaa",
        "Vault secret holding the Redis AUTH password.",
    ),
    Key(
        "DETECTION_STATE_PASSWORD",
        v.text,
        None,
        "(a password)",
        "Plaintext Redis password, for local use (a warning is logged).",
        scope="local",
        secret=True,
    ),
)


class DetectionSettings(NamedTuple):
    """Which rules run and where windows are counted (DETECTION_*)."""

    rules: tuple[str, ...]  #: the user's rule files, folders and oci:// prefixes
    disable: frozenset[str]  #: built-in rule ids or names turned off ("all": every one)
    placeholders: dict[str, tuple[str, ...]]  #: Sigma placeholder name -> values
    state_url: str | None  #: Redis URL, or None for per-container memory
    ca_cert: str | None  #: path or PEM text verifying a rediss:// server
    password_secret_ocid: str | None
    password: str | None  #: plaintext (local use)

    def __repr__(self) -> str:
        return hidden_repr(self, ("password",))


def sections(c: dict[str, Any]) -> dict[str, Any]:
    """The detector's part of `forwarder.settings.Settings`."""
    return {"detection": detection(c)}


def detection(c: dict[str, Any]) -> DetectionSettings:
    url, ca, secret = c["DETECTION_STATE_URL"], c["DETECTION_STATE_CA_CERT"], c["DETECTION_STATE_PASSWORD_SECRET_OCID"]
    password = c["DETECTION_STATE_PASSWORD"]
    for bad, message in (
        ((secret or password) and not url, "DETECTION_STATE_URL: a Redis password is set but no Redis URL"),
        (secret and password, "DETECTION_STATE_PASSWORD: set either it or DETECTION_STATE_PASSWORD_SECRET_OCID"),
        (
            url and urlsplit(url).password,
            "DETECTION_STATE_URL: expected no password in the URL; use DETECTION_STATE_PASSWORD_SECRET_OCID",
        ),
        (ca and not (url or "").startswith("rediss://"), "DETECTION_STATE_CA_CERT: needs a rediss:// Redis URL"),
    ):
        if bad:
            raise ConfigError(message)
    if password:
        log.warning("DETECTION_STATE_PASSWORD is set in plaintext config; use DETECTION_STATE_PASSWORD_SECRET_OCID")
    return DetectionSettings(
        c["DETECTION_RULES"], c["DETECTION_DISABLE"], c["DETECTION_PLACEHOLDERS"], url, ca, secret, password
    )


def state_password(d: DetectionSettings, clients) -> str | None:
    """Redis's password: from Vault (DETECTION_STATE_PASSWORD_SECRET_OCID), else the plaintext one;
    registered as a secret.

    Raises:
        forwarder.oci.vault.SecretError: the password's Vault secret cannot be read.
    """
    from forwarder.oci.vault import secret_or_plain

    key = "DETECTION_STATE_PASSWORD_SECRET_OCID"
    return secret_or_plain(d.password, d.password_secret_ocid, key=key, clients=clients)


def build(d: DetectionSettings, clients):
    """The detector (`engine.Detector`): the built-in pack minus DETECTION_DISABLE, plus DETECTION_RULES
    (`oci://` ones read with `clients`); windows in Redis when DETECTION_STATE_URL is set. None when no
    rule is left.

    Raises:
        ConfigError: a rule file does not compile (named: file and rule), DETECTION_DISABLE names no rule,
            or the Redis CA bundle is unusable.
        forwarder.oci.vault.SecretError: the Redis password secret cannot be read.
    """
    from forwarder.detect import RuleError
    from forwarder.detect.engine import Detector
    from forwarder.detect.pack import load

    try:
        rules = load(d.rules, d.disable, clients=clients)
    except RuleError as exc:
        raise ConfigError(str(exc)) from None
    if not rules:
        return None
    state = None
    if d.state_url:
        from forwarder.detect.shared_state import RedisState
        from forwarder.runtime.tls import checked_context

        password = state_password(d, clients)
        if d.ca_cert:  # checked here, naming its key, not at the first connection (that would only degrade)
            checked_context({"ca": "DETECTION_STATE_CA_CERT"}, d.ca_cert)
        state = RedisState(d.state_url, password=password, ca_cert=d.ca_cert)
    return Detector(rules, state, d.placeholders)
