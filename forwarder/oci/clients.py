"""OCI SDK clients per service and region, signed by one principal (`forwarder.oci.auth`), endpoints overridable.

Endpoint overrides (`OCI_*_ENDPOINT`) may contain `{region}`: it becomes the region of the client built,
and a client built without a region is in the principal's own region (the function's, the instance's,
or the config file profile's), so one endpoint pattern works in a function and on a laptop alike.
Clients of the collection paths skip the SDK's model deserialization (`skip_deserialization`):
responses come back as the REST API's JSON (camelCase), which is what `normalize` reads, at a fraction
of the cost. Those responses are decoded by `jsoncodec.loads` (msgspec; the stdlib for what it
refuses; integers of any size exact, NaN kept as text) instead of the SDK's stdlib `json.loads`, which
took a quarter of a collection run's time. SDK retries are off: `forwarder.oci.calls.call` retries
under the project's one policy (`forwarder.retry`), honouring Retry-After. `oci` is imported on first use.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from forwarder import USER_AGENT
from forwarder.jsoncodec import loads  # this module is on the OCI paths only: not the cold start
from forwarder.oci.auth import AuthError, Principal, principal

#: The services read, by name: (module, client class) of the OCI SDK. The image keeps only these
#: modules of the SDK (`image/prune.py`).
SERVICES = {
    "identity": ("oci.identity", "IdentityClient"),
    "audit": ("oci.audit", "AuditClient"),
    "cloudguard": ("oci.cloud_guard", "CloudGuardClient"),
    "logsearch": ("oci.loggingsearch", "LogSearchClient"),
    "objectstorage": ("oci.object_storage", "ObjectStorageClient"),
    "secrets": ("oci.secrets", "SecretsClient"),
    "notification": ("oci.ons", "NotificationControlPlaneClient"),  # GetTopic
    "notification-topic": ("oci.ons", "NotificationDataPlaneClient"),  # PublishMessage, at the topic's endpoint
    "streaming-admin": ("oci.streaming", "StreamAdminClient"),  # GetStream: the messages endpoint
    "streaming": ("oci.streaming", "StreamClient"),  # group cursors and messages, at the messages endpoint
    "monitoring": ("oci.monitoring", "MonitoringClient"),  # PostMetricData, at the telemetry-ingestion endpoint
    "events": ("oci.events", "EventsClient"),  # doctor: the rules invoking this function
    "sch": ("oci.sch", "ServiceConnectorClient"),  # doctor: the connectors targeting it
    "functions": ("oci.functions", "FunctionsManagementClient"),  # doctor: GetFunction
}
#: Services whose endpoint is named by another call's answer, never built from the region: a stream's
#: messages endpoint (GetStream `messagesEndpoint`); `get` takes it as `endpoint`.
AT_ENDPOINT = ("streaming",)
#: Services whose responses are read as the SDK's models (not collection paths: few, small responses).
MODELLED = ("objectstorage", "secrets", "notification", "notification-topic")


def for_settings(settings, auth: str, config_file: str | None = None, profile: str | None = None) -> Clients:
    """The clients of a collector or reporter: `settings.collect.endpoints`, each request's timeout the sinks'
    (SIEM_TIMEOUT_SECONDS) but at least 30 s (API pages are large)."""
    return Clients(
        auth,
        settings.collect.endpoints,
        timeout=max(settings.timeout, 30.0),
        config_file=config_file,
        profile=profile,
        region=settings.region,
    )


class Clients:
    """Builds and keeps one SDK client per (service, region, endpoint); thread-safe.

    Args:
        auth: one of `forwarder.oci.auth.AUTH_MODES`.
        endpoints: service name -> endpoint override (may contain `{region}`), for services that have one.
        timeout: connect and read timeout of each request, seconds (cut to the deadline by `calls.call`).
        config_file, profile: the OCI config file and profile, for `api_key`.
        region: the region to assume when the principal names none (OCI_RESOURCE_PRINCIPAL_REGION).
        make_principal: builds the `Principal` in place of `auth` (an API key of another tenancy, its
            private key read from Vault); called once, on first use; an error it raises is an AuthError.
    Raises:
        AuthError: on first use, when the principal cannot be set up.
    """

    def __init__(
        self,
        auth: str,
        endpoints: Mapping[str, str | None] | None = None,
        timeout: float = 30.0,
        config_file: str | None = None,
        profile: str | None = None,
        region: str | None = None,
        make_principal=None,
    ):
        self.auth = auth
        self.make_principal = make_principal
        self.endpoints = {k: v for k, v in (endpoints or {}).items() if v}
        self.timeout = timeout
        self.config_file = config_file
        self.profile = profile
        self.fallback_region = region
        self._principal: Principal | None = None
        self._clients: dict[tuple[str, str, str | None], Any] = {}
        self._lock = threading.Lock()

    def _setup(self) -> Principal:
        if self._principal is None:
            if self.make_principal is None:
                self._principal = principal(self.auth, self.config_file, self.profile)
            else:
                try:
                    self._principal = self.make_principal()
                except AuthError:
                    raise
                except Exception as exc:  # a secret that cannot be read, a key that is not a key
                    raise AuthError(getattr(exc, "reason", None) or str(exc)) from None
        return self._principal

    @property
    def tenancy(self) -> str | None:
        """The principal's tenancy OCID (None when the principal does not say)."""
        with self._lock:
            return self._setup().tenancy

    @property
    def home(self) -> str | None:
        """The principal's own region (the function's region, the config file's `region`), else the
        `region` given, else None."""
        with self._lock:
            return self._setup().region or self.fallback_region

    def get(self, service: str, region: str | None = None, endpoint: str | None = None):
        """The SDK client of `service` (a key of SERVICES) for `region` (None: the principal's own), at
        `endpoint` when given (else the service's override, else the SDK's regional endpoint).

        Raises:
            AuthError: the principal cannot be set up, or no region is given and the principal names none.
        """
        region = region or self.home
        if not region:
            raise AuthError(
                f"{service}: the principal names no region; set OCI_RESOURCE_PRINCIPAL_REGION or the config "
                "file's region"
            )
        key = (service, region, endpoint)
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                client = self._clients[key] = self._build(self._setup(), service, region, endpoint)
            return client

    def _build(self, who: Principal, service: str, region: str, endpoint: str | None):
        import importlib

        import oci

        module, name = SERVICES[service]
        factory = getattr(importlib.import_module(module), name)
        kwargs: dict[str, Any] = {
            "signer": who.signer,
            "timeout": (self.timeout, self.timeout),
            "retry_strategy": oci.retry.NoneRetryStrategy(),
            # the SDK's own circuit breaker would refuse calls for a while after failures: one retry rule
            "circuit_breaker_strategy": oci.circuit_breaker.NoCircuitBreakerStrategy(),
            "skip_deserialization": service not in MODELLED,
        }
        endpoint = endpoint or self.endpoints.get(service)
        if endpoint:
            # a trailing slash would make the SDK sign `//path` while the server sees `/path` (401)
            kwargs["service_endpoint"] = endpoint.replace("{region}", region).rstrip("/")
        client = factory({**who.config, "region": region, "additional_user_agent": USER_AGENT}, **kwargs)
        client.base_client._forwarder_timeout = self.timeout
        if kwargs["skip_deserialization"]:
            client.base_client.deserialize_response_data = decode
        return client


def decode(response_data: bytes, response_type: str | None = None, allow_control_chars=None) -> Any:
    """The body of a JSON response as plain values (what the SDK gives with `skip_deserialization`);
    a body that is not JSON is returned as text, as the SDK does."""
    try:
        return loads(response_data)
    except (ValueError, RecursionError):
        return response_data.decode("utf-8", "replace")


def for_function(
    settings, auth: str = "resource_principal", config_file: str | None = None, profile: str | None = None
) -> Clients:
    """The clients of the pipeline's own calls (dead letters, Vault secrets, rule files in a bucket, names
    for enrichment): the function's resource principal (the CLI: its `--auth` principal), the
    OCI_OBJECTSTORAGE_, OCI_IDENTITY_, OCI_CLOUDGUARD_ and OCI_SECRETS_ENDPOINT overrides, each request's
    timeout SIEM_TIMEOUT_SECONDS. Nothing is signed or read until the first call."""
    endpoints = {
        **{name: settings.collect.endpoints.get(name) for name in ("objectstorage", "identity", "cloudguard")},
        "secrets": settings.secrets_endpoint,
    }
    return Clients(
        auth, endpoints, timeout=settings.timeout, config_file=config_file, profile=profile, region=settings.region
    )


def for_metrics(
    settings, auth: str = "resource_principal", config_file: str | None = None, profile: str | None = None
) -> Clients:
    """The clients of self-metrics: PostMetricData at OCI_MONITORING_ENDPOINT, else at
    `https://telemetry-ingestion.{region}.<the realm's domain>` (PostMetricData is not served at the
    Monitoring API's own endpoint, which the SDK would build), each request's timeout 3 s."""
    from forwarder.oci.realms import domain_of, realm_of

    endpoint = settings.metrics.endpoint
    domain = domain_of(realm_of(settings.region))
    if not endpoint and domain:
        endpoint = f"https://telemetry-ingestion.{{region}}.{domain}"
    return Clients(
        auth, {"monitoring": endpoint}, timeout=3.0, config_file=config_file, profile=profile, region=settings.region
    )


def for_doctor(settings, auth: str, config_file: str | None = None, profile: str | None = None) -> Clients:
    """The clients of `doctor`: every endpoint override (the collector's and OCI_SECRETS_ENDPOINT), each
    request's timeout SIEM_TIMEOUT_SECONDS (a check is one small read)."""
    endpoints = {**settings.collect.endpoints, **settings.doctor_endpoints, "secrets": settings.secrets_endpoint}
    return Clients(
        auth, endpoints, timeout=settings.timeout, config_file=config_file, profile=profile, region=settings.region
    )
