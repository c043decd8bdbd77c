"""Every realm: endpoints come from the SDK's realm table (never a hard-coded `oraclecloud.com`), and the
Console link of a ticket opens the realm's own Console."""

from __future__ import annotations

from urllib.parse import urlsplit

import oci
import pytest

from forwarder.normalize import normalize
from forwarder.oci import realms
from forwarder.oci.clients import AT_ENDPOINT, SERVICES, Clients
from forwarder.tickets.content import console_url
from tests.conftest import sample
from tests.support.oci import api_key_principal

#: One region of every realm the SDK knows (the first in its table), e.g. oc2 -> us-langley-1.
ONE_PER_REALM = {}
for _region, _realm in oci.regions_definitions.REGION_REALMS.items():
    ONE_PER_REALM.setdefault(_realm, _region)


def test_the_realm_table_is_the_sdks_and_covers_the_realms_people_run():
    assert {"oc1", "oc2", "oc3", "oc4", "oc8", "oc19"} <= set(ONE_PER_REALM)
    assert realms.realm_of("us-langley-1") == "oc2" and realms.domain_of("oc2") == "oraclegovcloud.com"
    assert realms.realm_of("uk-gov-london-1") == "oc4" and realms.domain_of("oc4") == "oraclegovcloud.uk"
    assert realms.realm_of("eu-frankfurt-2") == "oc19" and realms.domain_of("oc19") == "oraclecloud.eu"
    assert realms.realm_of("no-such-region-1", "ocid1.cloudguardproblem.oc8.nrt.aaaa") == "oc8"  # from the OCID


@pytest.mark.parametrize("realm", sorted(ONE_PER_REALM))
def test_every_service_the_forwarder_calls_has_the_realms_endpoint(realm, tmp_path):
    region = ONE_PER_REALM[realm]
    domain = oci.regions_definitions.REALMS[realm]
    key = api_key_principal(tmp_path, region=region)
    clients = Clients("api_key", config_file=str(key.config_file))
    for service in set(SERVICES) - set(AT_ENDPOINT):  # those have the endpoint another call names
        host = urlsplit(clients.get(service, region).base_client.get_endpoint()).hostname
        assert host.endswith("." + domain) and f".{region}." in f".{host}.", (service, region, host)
        if realm != "oc1":
            assert "oraclecloud.com" not in host, (service, host)


@pytest.mark.parametrize("realm", sorted(ONE_PER_REALM))
def test_a_tickets_console_link_opens_the_realms_console(realm):
    region = ONE_PER_REALM[realm]
    event = sample("cloudguard-problemdetected-bucket-public-critical.json")
    record = normalize(event, region)
    record = record.__class__({**record.data, "region": region})  # wherever the sample says it happened
    url = urlsplit(console_url(record))
    expected = "cloud.oracle.com" if realm == "oc1" else f"console.{region}.{oci.regions_definitions.REALMS[realm]}"
    assert url.scheme == "https" and url.hostname == expected
    assert (
        url.path.startswith("/cloud-guard/problems/details/ocid1.cloudguardproblem") and url.query == f"region={region}"
    )
