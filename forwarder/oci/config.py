"""The OCI endpoints' configuration (OCI_*_ENDPOINT) and the function's region.

Every endpoint may hold `{region}`: `forwarder.oci.clients.Clients` puts in the region of the client it builds.
"""

from __future__ import annotations

from typing import Any

from forwarder.config import Key
from forwarder.config import values as v

KEYS: tuple[Key, ...] = (
    Key(
        "OCI_NOTIFICATION_ENDPOINT",
        v.regional_url("http", "https"),
        None,
        "https://notification.{region}.oraclecloud.com",
        "Override of the Notifications endpoint (GetTopic); `{region}` is replaced by the principal's region "
        "(the function's, the instance's or the profile's).",
        shown="(regional endpoint)",
        scope="report",
    ),
    Key(
        "OCI_IDENTITY_ENDPOINT",
        v.regional_url("http", "https"),
        None,
        "https://identity.{region}.oci.oraclecloud.com",
        "Override of the Identity endpoint; `{region}` is replaced by the region read.",
        shown="(regional endpoint)",
        scope="collector",
    ),
    Key(
        "OCI_AUDIT_ENDPOINT",
        v.regional_url("http", "https"),
        None,
        "https://audit.{region}.oraclecloud.com",
        "Override of the Audit endpoint; `{region}` is replaced by the region read.",
        shown="(regional endpoint)",
        scope="collector",
    ),
    Key(
        "OCI_CLOUDGUARD_ENDPOINT",
        v.regional_url("http", "https"),
        None,
        "https://cloudguard-cp-api.{region}.oci.oraclecloud.com",
        "Override of the Cloud Guard endpoint; `{region}` is replaced by the region read.",
        shown="(regional endpoint)",
        scope="collector",
    ),
    Key(
        "OCI_STREAMING_ENDPOINT",
        v.regional_url("http", "https"),
        None,
        "https://streaming.{region}.oci.oraclecloud.com",
        "Override of the Streaming admin endpoint (GetStream, which names the stream's messages endpoint); "
        "`{region}` is replaced by the stream's region.",
        shown="(regional endpoint)",
        scope="collector",
    ),
    Key(
        "OCI_LOGGING_SEARCH_ENDPOINT",
        v.regional_url("http", "https"),
        None,
        "https://logging.{region}.oci.oraclecloud.com",
        "Override of the Logging Search endpoint; `{region}` is replaced by the region read.",
        shown="(regional endpoint)",
        scope="collector",
    ),
    Key(
        "OCI_OBJECTSTORAGE_ENDPOINT",
        v.regional_url("http", "https"),
        None,
        "https://objectstorage.eu-frankfurt-1.oraclecloud.com",
        "Override of the Object Storage endpoint (private endpoints, tests); `{region}` is replaced by the "
        "principal's region (the function's, the instance's or the profile's).",
        shown="(regional endpoint)",
    ),
    Key(
        "OCI_SECRETS_ENDPOINT",
        v.regional_url("http", "https"),
        None,
        "https://secrets.vaults.eu-frankfurt-1.oci.oraclecloud.com",
        "Override of the Vault secrets endpoint (private endpoints, tests); `{region}` is replaced by the "
        "principal's region (the function's, the instance's or the profile's).",
        shown="(regional endpoint)",
    ),
    Key(
        "OCI_MONITORING_ENDPOINT",
        v.regional_url("http", "https"),
        None,
        "https://telemetry-ingestion.{region}.oraclecloud.com",
        "Override of the Monitoring ingestion endpoint PostMetricData is sent to (METRICS_NAMESPACE); `{region}` "
        "is replaced by the principal's region.",
        shown="(the region's telemetry-ingestion endpoint)",
    ),
    Key(
        "OCI_EVENTS_ENDPOINT",
        v.regional_url("http", "https"),
        None,
        "https://events.{region}.oci.oraclecloud.com",
        "Override of the Events endpoint `doctor` reads this function's rules at; `{region}` is replaced by the "
        "principal's region.",
        shown="(regional endpoint)",
    ),
    Key(
        "OCI_CONNECTOR_HUB_ENDPOINT",
        v.regional_url("http", "https"),
        None,
        "https://service-connector-hub.{region}.oci.oraclecloud.com",
        "Override of the Connector Hub endpoint `doctor` reads this function's connectors at; `{region}` is "
        "replaced by the principal's region.",
        shown="(regional endpoint)",
    ),
    Key(
        "OCI_FUNCTIONS_ENDPOINT",
        v.regional_url("http", "https"),
        None,
        "https://functions.{region}.oci.oraclecloud.com",
        "Override of the Functions endpoint `doctor` reads this function at (GetFunction); `{region}` is "
        "replaced by the principal's region.",
        shown="(regional endpoint)",
    ),
    Key(
        "OCI_RESOURCE_PRINCIPAL_REGION",
        v.text,
        None,
        "eu-frankfurt-1",
        "The function's region; reported as the region of events that name none.",
        shown="(set by OCI Functions)",
        scope="platform",
    ),
)


def sections(c: dict[str, Any]) -> dict[str, Any]:
    """The function's region and the Vault endpoint (the other endpoints are the collector's settings)."""
    return {
        "region": c["OCI_RESOURCE_PRINCIPAL_REGION"],
        "secrets_endpoint": c["OCI_SECRETS_ENDPOINT"],
        #: the services only `doctor` reads (forwarder.oci.clients.SERVICES names)
        "doctor_endpoints": {
            "events": c["OCI_EVENTS_ENDPOINT"],
            "sch": c["OCI_CONNECTOR_HUB_ENDPOINT"],
            "functions": c["OCI_FUNCTIONS_ENDPOINT"],
        },
    }
