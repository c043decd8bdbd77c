"""The tenancies one run reads (`tenancies.Tenancy` -> `Target`): each with its clients, home region, scope
and the prefix of its checkpoint keys.

A run with no tenancy list reads one Target: COLLECT_TENANCY_OCID (else the principal's tenancy) with
COLLECT_COMPARTMENT_OCID, keys unprefixed, exactly as a single-tenancy collector. With a list, one
Target per entry; a tenancy that cannot be set up (its API key's Vault secret unreadable, a profile
without a tenancy) is an error of that tenancy, and the others are read.
"""

from __future__ import annotations

import logging
from typing import NamedTuple

from forwarder.collect.tenancies import Tenancy
from forwarder.oci.auth import AuthError, Principal
from forwarder.oci.calls import Counter, call
from forwarder.oci.clients import Clients
from forwarder.retry import Failure

log = logging.getLogger("forwarder")


class Target(NamedTuple):
    """One tenancy as a run reads it."""

    name: str  #: the configured name ("" for the single tenancy of a run without a list)
    tenancy: str  #: the OCID
    clients: Clients  #: its principal
    home: str  #: the region of tenancy-wide calls
    compartment: str | None  #: the subtree read; None = the whole tenancy
    regions: tuple[str, ...] | None  #: its own region list, else None (the run's)
    prefix: str  #: of its shard keys: "" (the collector's own tenancy) or its OCID

    @property
    def label(self) -> str:
        """How summaries and messages name it: its name, else its OCID."""
        return self.name or self.tenancy


def resolve(
    specs: tuple[Tenancy, ...] | None, settings, clients: Clients, vault_clients: Clients | None = None
) -> tuple[list[Target], list[str]]:
    """The Targets of `specs` (None: the single tenancy of `settings`), and the errors of those that
    cannot be set up (`"<name>: <reason>"`). Profiles and API keys get their own `Clients` (same
    endpoints and timeout as `clients`); the others share `clients`.

    Raises:
        AuthError: the run's own principal cannot be set up and it is needed (a single tenancy, or an
            entry without a tenancy OCID).
    """
    own = settings.tenancy
    if specs is None:
        tenancy = own or clients.tenancy
        if not tenancy:
            raise AuthError("COLLECT_TENANCY_OCID: the principal does not name its tenancy; set it")
        home = clients.home or (settings.regions or ("",))[0]
        return [Target("", tenancy, clients, home, settings.compartment, None, "")], []
    targets: list[Target] = []
    errors: list[str] = []
    seen: dict[str, str] = {}
    for spec in specs:
        try:
            target = _target(spec, settings, clients, vault_clients, own)
        except AuthError as exc:
            errors.append(f"{spec.name}: {exc}")
            continue
        if target.tenancy in seen:  # two profiles of one tenancy: read once
            errors.append(f"{spec.name}: tenancy {target.tenancy} is already read as {seen[target.tenancy]}")
            continue
        seen[target.tenancy] = spec.name
        targets.append(target)
    return targets, errors


def _target(spec: Tenancy, settings, clients: Clients, vault_clients: Clients | None, own: str | None) -> Target:
    mine = clients
    if spec.profile is not None:
        mine = Clients(
            _profile_auth(clients),
            clients.endpoints,
            clients.timeout,
            clients.config_file,
            spec.profile,
            clients.fallback_region,
        )
    elif spec.key_secret is not None:
        mine = Clients(
            "api_key",
            clients.endpoints,
            clients.timeout,
            region=spec.region,
            make_principal=_api_key(spec, vault_clients or clients),
        )
    tenancy = spec.tenancy or mine.tenancy
    if not tenancy:
        raise AuthError("the principal does not name its tenancy; give the tenancy OCID")
    home = spec.region or mine.home or clients.home or (settings.regions or ("",))[0]
    if own is None and mine is clients:
        own = clients.tenancy
    prefix = "" if tenancy == own else tenancy
    return Target(spec.name, tenancy, mine, home, spec.compartment, spec.regions, prefix)


def _profile_auth(clients: Clients) -> str:
    """A profile signs with its API key, or its session when the command asked for sessions."""
    return clients.auth if clients.auth in ("api_key", "security_token") else "api_key"


def _api_key(spec: Tenancy, vault_clients: Clients):
    """Builds the API-key Principal of `spec`, its PEM read from Vault (`keySecret`) on first use."""

    def make() -> Principal:
        import oci

        from forwarder.oci.vault import SecretError, read_secret

        try:
            pem = read_secret(spec.key_secret, key=f"COLLECT_TENANCIES {spec.name} keySecret", clients=vault_clients)
        except SecretError as exc:
            raise AuthError(str(exc)) from None
        try:
            signer = oci.signer.Signer(
                tenancy=spec.tenancy,
                user=spec.user,
                fingerprint=spec.fingerprint,
                private_key_file_location=None,
                private_key_content=pem,
            )
        except Exception as exc:
            raise AuthError(
                f"COLLECT_TENANCIES {spec.name} keySecret: not a PEM private key ({type(exc).__name__})"
            ) from None
        config = {
            "tenancy": spec.tenancy,
            "user": spec.user,
            "fingerprint": spec.fingerprint,
            "key_content": pem,
            "region": spec.region,
        }
        return Principal(signer, spec.tenancy, spec.region, config)

    return make


def tenancy_name(
    target: Target, deadline: float | None, counter: Counter | None, cache: dict[str, str | None]
) -> str | None:
    """The tenancy's own name (Identity GetTenancy, `inspect tenancies`), read once per container and kept
    in `cache`; None (logged) when it cannot be read, tried again next run."""
    if target.tenancy in cache:
        return cache[target.tenancy]
    try:
        identity = target.clients.get("identity", target.home)
        data = call(identity.get_tenancy, target.tenancy, deadline=deadline, counter=counter).data
        name = data.get("name") if isinstance(data, dict) else None
    except (Failure, AuthError) as exc:
        log.warning("tenancy %s: its name cannot be read (GetTenancy): %s", target.label, getattr(exc, "reason", exc))
        return None
    if not isinstance(name, str) or not name:
        return None
    cache[target.tenancy] = name
    return name


def plan(
    target: Target, settings, sources, regions, deadline, counter, names: dict
) -> tuple[str | None, list, list[str]]:
    """One tenancy's name (`tenancy_name`, kept in `names`), its shards (tagged with its key prefix) and its
    planning errors. Sources not `of_tenancy` (streams) are planned once, by the collector's own tenancy (prefix "")."""
    from forwarder.collect import shards as sh
    from forwarder.sources.pull import source

    own = tuple(s for s in sources if source(s, settings).of_tenancy)  # what is read from this tenancy
    name = tenancy_name(target, deadline, counter, names) if own else None  # streams alone: no Identity call
    scope = sh.Scope(settings, target.clients, target.tenancy, target.home, deadline, counter, target.compartment)
    if target.prefix:  # the others (streams) are planned once, for the collector's own tenancy
        sources = own
    try:
        shards, errors = sh.plan(settings, scope, sources, regions or target.regions or settings.regions)
    except AuthError as exc:
        return name, [], [str(exc)]
    return name, [shard._replace(tenancy=target.prefix) for shard in shards], errors
