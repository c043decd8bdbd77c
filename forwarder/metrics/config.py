"""Self-metrics' configuration (METRICS_*; the endpoint is OCI_MONITORING_ENDPOINT)."""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from forwarder.config import ConfigError, Key
from forwarder.config import values as v


def namespace(raw: str) -> str:
    """A custom metric namespace: lowercase letters, digits and `_`, starting with a letter, not `oci_` or
    `oracle_` (reserved for OCI's own services), at most 255 characters (PostMetricData's rule)."""
    value = raw.strip()
    if not re.fullmatch(r"[a-z][a-z0-9_]{0,254}", value) or value.startswith(("oci_", "oracle_")):
        raise v.Invalid(f"a namespace of a-z, 0-9 and _, starting with a letter, not oci_ or oracle_; got {raw!r}")
    return value


def compartment(raw: str) -> str:
    """A compartment OCID, or the tenancy's (its root compartment)."""
    try:
        return v.ocid("compartment")(raw)
    except v.Invalid:
        try:
            return v.ocid("tenancy")(raw)
        except v.Invalid:
            raise v.Invalid("a compartment OCID (ocid1.compartment...) or the tenancy's (ocid1.tenancy...)") from None


KEYS: tuple[Key, ...] = (
    Key(
        "METRICS_NAMESPACE",
        namespace,
        None,
        "security_forwarder",
        "OCI Monitoring namespace the function posts its own counts to (received, delivered, dead-lettered and "
        "failed per sink, collection lag, API calls, report completeness), one PostMetricData call per "
        "invocation; a failure to post never fails delivery. Unset: no metrics.",
        shown="(no metrics)",
    ),
    Key(
        "METRICS_COMPARTMENT_OCID",
        compartment,
        None,
        "ocid1.compartment.oc1..aaaaaaaaexample",
        "Compartment the metrics are posted in (the policy: `use metrics ... where target.metrics.namespace`).",
        shown="(needed with METRICS_NAMESPACE)",
    ),
)


class MetricsSettings(NamedTuple):
    namespace: str | None  #: None: no metrics
    compartment: str | None
    endpoint: str | None  #: OCI_MONITORING_ENDPOINT; None: the region's telemetry-ingestion endpoint


def sections(c: dict[str, Any]) -> dict[str, Any]:
    """The metrics' part of `forwarder.settings.Settings`."""
    if c["METRICS_NAMESPACE"] and not c["METRICS_COMPARTMENT_OCID"]:
        raise ConfigError("METRICS_COMPARTMENT_OCID: expected the compartment to post METRICS_NAMESPACE's metrics in")
    endpoint = c["OCI_MONITORING_ENDPOINT"]
    return {"metrics": MetricsSettings(c["METRICS_NAMESPACE"], c["METRICS_COMPARTMENT_OCID"], endpoint)}
