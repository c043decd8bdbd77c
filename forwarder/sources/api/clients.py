"""OCI SDK clients per service and region, signed by one of three principals, endpoints overridable.

Auth (`--auth`): `resource_principal` (OCI Functions: the container's signer, `runtime.oci_auth`),
`instance_principal` (a compute instance in a dynamic group) or `api_key` (the standard OCI config file,
`~/.oci/config`, and a profile). Endpoint overrides (`OCI_*_ENDPOINT`) may contain `{region}`, replaced
by the region read. Clients skip the SDK's model deserialization (`skip_deserialization`): responses come
back as the REST API's JSON (camelCase), which is what `normalize` reads, at a fraction of the cost.
Those responses are decoded by `jsoncodec.loads` (msgspec; the stdlib for what it refuses; integers
of any size exact, NaN kept as text) instead of the SDK's stdlib `json.loads`, which took a quarter of a
collection run's time: `decode` replaces the client's `deserialize_response_data` for these clients
only. SDK retries are off: `calls.call` retries under the project's one policy, honouring Retry-After.
`oci` is imported on first use only.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from forwarder import USER_AGENT
from forwarder.jsoncodec import loads  # this module is on the collection path only: not the cold start

#: The services read, by name: (module, client class) of the OCI SDK.
SERVICES = {
    "identity": ("oci.identity", "IdentityClient"),
    "audit": ("oci.audit", "AuditClient"),
    "cloudguard": ("oci.cloud_guard", "CloudGuardClient"),
    "logsearch": ("oci.loggingsearch", "LogSearchClient"),
    "objectstorage": ("oci.object_storage", "ObjectStorageClient"),
    "notification": ("oci.ons", "NotificationControlPlaneClient"),  # GetTopic
    "notification-topic": ("oci.ons", "NotificationDataPlaneClient"),  # PublishMessage, at the topic's endpoint
}
#: Services whose responses are read as the SDK's models (not collection paths: few, small responses).
MODELLED = ("objectstorage", "notification", "notification-topic")
AUTH_MODES = ("resource_principal", "instance_principal", "api_key")


def default_auth() -> str:
    """The principal when the CLI is not told one: the resource principal inside OCI Functions (its
    environment is set), else the API key of the OCI config file."""
    import os

    return "resource_principal" if os.environ.get("OCI_RESOURCE_PRINCIPAL_VERSION") else "api_key"


def for_settings(settings, auth: str, config_file: str | None = None, profile: str | None = None) -> Clients:
    """The clients of a collector or reporter: `settings.collect.endpoints`, each request's timeout the sinks'
    (SIEM_TIMEOUT_SECONDS) but at least 30 s (API pages are large)."""
    return Clients(auth, settings.collect.endpoints, timeout=max(settings.timeout, 30.0), config_file=config_file,
                   profile=profile)  # fmt: skip


class AuthError(RuntimeError):
    """The principal cannot be set up (no config file, no such profile, not on an instance, ...)."""


class Clients:
    """Builds and keeps one SDK client per (service, region); thread-safe.

    Args:
        auth: one of AUTH_MODES.
        endpoints: service name -> endpoint override (may contain `{region}`), for services that have one.
        timeout: connect and read timeout of each request, seconds.
        config_file, profile: the OCI config file and profile, for `api_key`.
    Raises:
        AuthError: on first use, when the principal cannot be set up.
    """

    def __init__(self, auth: str, endpoints: Mapping[str, str | None] | None = None, timeout: float = 30.0,
                 config_file: str | None = None, profile: str | None = None):  # fmt: skip
        if auth not in AUTH_MODES:
            raise AuthError(f"auth: expected one of {', '.join(AUTH_MODES)}; got {auth!r}")
        self.auth = auth
        self.endpoints = {k: v for k, v in (endpoints or {}).items() if v}
        self.timeout = timeout
        self.config_file = config_file
        self.profile = profile
        self._signer: Any = None
        self._tenancy: str | None = None
        self._region: str | None = None
        self._config: dict[str, Any] = {}  #: the config file's profile (api_key), which the SDK validates
        self._clients: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()

    def _setup(self) -> None:
        if self._signer is not None:
            return
        import oci

        try:
            if self.auth == "resource_principal":
                from forwarder.runtime import oci_auth

                signer = oci_auth.signer()
                self._region = getattr(signer, "region", None)
            elif self.auth == "instance_principal":
                signer = oci.auth.signers.InstancePrincipalsSecurityTokenSigner()
                self._region = getattr(signer, "region", None)
            else:
                config = oci.config.from_file(self.config_file or oci.config.DEFAULT_LOCATION,
                                              self.profile or oci.config.DEFAULT_PROFILE)  # fmt: skip
                signer = oci.signer.Signer(
                    tenancy=config["tenancy"], user=config["user"], fingerprint=config["fingerprint"],
                    private_key_file_location=config.get("key_file"), pass_phrase=config.get("pass_phrase"),
                    private_key_content=config.get("key_content"),
                )  # fmt: skip
                self._tenancy, self._region, self._config = config["tenancy"], config.get("region"), config
        except Exception as exc:
            raise AuthError(f"cannot set up the {self.auth} principal: {type(exc).__name__}: {exc}") from None
        self._tenancy = self._tenancy or getattr(signer, "tenancy_id", None)
        self._signer = signer

    @property
    def tenancy(self) -> str | None:
        """The principal's tenancy OCID (None when the principal does not say)."""
        with self._lock:
            self._setup()
        return self._tenancy

    @property
    def home(self) -> str | None:
        """The principal's own region (the function's region, the config file's `region`)."""
        with self._lock:
            self._setup()
        return self._region

    def get(self, service: str, region: str, endpoint: str | None = None):
        """The SDK client of `service` (a key of SERVICES) for `region`, at `endpoint` when given (else the
        service's override, else the SDK's regional endpoint)."""
        key = (service, region, endpoint)
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                self._setup()
                client = self._clients[key] = self._build(service, region, endpoint)
            return client

    def _build(self, service: str, region: str, endpoint: str | None):
        import importlib

        import oci

        module, name = SERVICES[service]
        factory = getattr(importlib.import_module(module), name)
        kwargs: dict[str, Any] = {
            "signer": self._signer,
            "timeout": (self.timeout, self.timeout),
            "retry_strategy": oci.retry.NoneRetryStrategy(),
            "skip_deserialization": service not in MODELLED,
        }
        endpoint = endpoint or self.endpoints.get(service)
        if endpoint:
            kwargs["service_endpoint"] = endpoint.replace("{region}", region).rstrip("/")
        client = factory({**self._config, "region": region, "additional_user_agent": USER_AGENT}, **kwargs)
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
