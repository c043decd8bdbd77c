"""The built-in pack held to what auditors and SigmaHQ check: ATT&CK from MITRE's own data, SigmaHQ's
validators (their data files shipped in tests/data, as the stock ones download at run time), the CIS OCI
monitoring recommendations, and the logic of the rules whose shapes are many (ingress, logs, placeholders)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from forwarder.detect import attack, pack
from tests.detect_events import DATA, audit, events_service, fired

ROOT = Path(__file__).resolve().parent.parent
RULES = sorted(Path(pack.RULES_DIR).glob("*.yml"))
BUNDLE = DATA / "attack" / "enterprise-attack-18.1.json"
#: SigmaHQ validators whose findings are expected here, and why.
ACCEPTED = {
    # SigmaHQ's taxonomy has no OCI log source (product oci): every rule of this pack would be "unknown".
    "SigmahqLogsourceUnknownIssue": lambda issue: issue.logsource.product == "oci",
    # `remediation` and `volume` are this pack's documented custom fields (docs/detections.md).
    "SigmahqUnknownFieldIssue": lambda issue: set(issue.fieldname) <= {"remediation", "volume"},
}


def test_attack_table_is_what_the_script_builds_from_mitres_data():
    import importlib.util

    spec = importlib.util.spec_from_file_location("attack_table", ROOT / "tools" / "attack_table.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    assert (ROOT / "forwarder" / "detect" / "attack.tsv").read_text() == script.table(BUNDLE), (
        "attack.tsv is stale: python tools/attack_table.py table tests/data/attack/enterprise-attack-18.1.json"
    )
    import hashlib

    header = (ROOT / "forwarder" / "detect" / "attack.tsv").read_text()
    assert hashlib.sha256(BUNDLE.read_bytes()).hexdigest() in header
    assert "mitre/cti at commit 421deacb77191b38bdd1bf63268954e93da91365" in header


def test_attack_18_1_has_what_the_old_table_lacked():
    t = attack.table()
    for technique in ("T1496.001", "T1496.002", "T1496.003", "T1496.004", "T1098.007", "T1485.001", "T1059.009"):
        assert technique in t.techniques, technique
    assert t.techniques["T1496.001"] == ("Resource Hijacking: Compute Hijacking", "impact")


def test_every_technique_of_the_pack_carries_all_its_tactics():
    t = attack.table()
    for rule in pack.builtin():
        tactics = {t.tactics[i][1] for i in rule["tactics"]}
        for technique in rule["techniques"]:
            needed = set(t.techniques[technique][1].split(","))
            assert needed <= tactics, f"{rule['name']}: {technique} needs attack.{', attack.'.join(needed - tactics)}"


@pytest.fixture(scope="module")
def sigmahq(tmp_path_factory):
    """pySigma's and SigmaHQ's validators, reading the data files shipped in tests/data (no download)."""
    import sigma.data.mitre_attack as mitre
    from sigma.validators.sigmahq.data import data_filename, data_taxonomy

    cache = str(tmp_path_factory.mktemp("sigma-cache"))
    for module, path in (
        (data_filename, DATA / "sigmahq" / "sigmahq_filename.json"),
        (data_taxonomy, DATA / "sigmahq" / "sigmahq_taxonomy.json"),
        (mitre, BUNDLE),
    ):
        module.set_cache_dir(cache)
        module.set_url(str(path))
    from sigma.validators.core import validators as core
    from sigma.validators.sigmahq import validators as hq

    # d3_fendtag reads MITRE D3FEND, downloaded at run time; the pack uses no D3FEND tags
    return [cls for name, cls in {**core, **hq}.items() if name != "d3_fendtag"]


def test_the_pack_passes_sigmahq_validators(sigmahq):
    from sigma.collection import SigmaCollection
    from sigma.validation import SigmaValidator

    collection = SigmaCollection.load_ruleset([str(f) for f in RULES])
    collection.resolve_rule_references()
    issues = SigmaValidator(sigmahq).validate_rules(collection)
    left = [i for i in issues if not ACCEPTED.get(type(i).__name__, lambda _: False)(i)]
    assert not left, [(type(i).__name__, [r.title for r in i.rules]) for i in left]
    assert {type(i).__name__ for i in issues} <= set(ACCEPTED)


def test_a_lower_case_title_or_a_correlation_file_without_prefix_is_caught(sigmahq, tmp_path):
    from sigma.collection import SigmaCollection
    from sigma.validation import SigmaValidator

    text = (Path(pack.RULES_DIR) / "correlation_oci_discovery_burst.yml").read_text()
    bad = tmp_path / "oci_discovery_burst.yml"
    bad.write_text(text.replace("title: OCI More Than 20", "title: OCI more than 20"))
    issues = SigmaValidator(sigmahq).validate_rules(SigmaCollection.load_ruleset([str(bad)]))
    names = {type(i).__name__ for i in issues}
    assert {"SigmahqTitleCaseIssue", "SigmahqCorrelationFilenamePrefixIssue"} <= names


def test_rules_are_experimental_and_state_volume_and_false_positives():
    for rule in pack.builtin():
        assert rule["title"] and rule["title"][0].isupper()
        if rule["level"] != "informational":
            assert rule["volume"] and rule["falsepositives"], rule["name"]
    for path in RULES:
        assert "status: experimental" in path.read_text() and "status: stable" not in path.read_text(), path.name
    changes = [
        r for r in pack.builtin() if r["name"] in ("oci_group_changed", "oci_policy_changed", "oci_user_changed")
    ]
    assert {r["level"] for r in changes} <= {"low", "medium"}


def test_every_cis_monitoring_recommendation_has_a_rule_or_a_reason():
    """CIS OCI Foundations Benchmark 3.0, section 4: each recommendation a rule names, or a documented reason."""
    page = (ROOT / "docs" / "detections.md").read_text()
    section = page.split("## CIS OCI monitoring", 1)[1].split("\n## ", 1)[0]
    rows = {m.group(1): m.group(2) for m in re.finditer(r"^\| (4\.\d+) \| [^|]+ \| (.+) \|$", section, re.M)}
    assert sorted(rows, key=lambda n: int(n.split(".")[1])) == [f"4.{i}" for i in range(1, 19)]
    covered = {n: r["name"] for r in pack.builtin() for n in r.get("cis") or []}
    for number, answer in rows.items():
        named = re.findall(r"`(oci_[a-z0-9_]+)`", answer)
        if number in covered:
            assert covered[number] in named, (number, answer)
        else:
            assert not named or all(n in {r["name"] for r in pack.builtin()} for n in named)
            assert len(answer) > 40, f"{number}: give the reason a rule is the wrong tool"
    for number in ("4.3", "4.4", "4.5", "4.6", "4.7", "4.8", "4.9", "4.10", "4.11", "4.12"):
        assert number in covered, number


IC = "com.oraclecloud.identityControlPlane."


def test_a_mapping_added_or_removed_fires_the_mapping_rule_not_the_provider_rule():
    for operation in ("AddIdpGroupMapping", "RemoveIdpGroupMapping"):
        assert len(fired([audit(IC + operation)], "oci_idp_group_mapping_changed")) == 1
        assert fired([audit(IC + operation)], "oci_identity_provider_changed") == []
    events = [events_service("com.oraclecloud.identitycontrolplane.removeidpgroupmapping")]
    assert len(fired(events, "oci_idp_group_mapping_changed")) == 1


def _sl(rules: list[dict]) -> dict:
    return {"data": {"stateChange": {"current": {"ingressSecurityRules": rules}}}}


def _tcp(source: str, low: int, high: int) -> dict:
    return {"source": source, "protocol": "6", "tcpOptions": {"destinationPortRange": {"min": low, "max": high}}}


@pytest.mark.parametrize(
    ("rules", "fires"),
    [
        ([_tcp("0.0.0.0/0", 22, 22)], True),
        ([_tcp("0.0.0.0/0", 1, 65535)], True),  # a range holding 22 and 3389
        ([_tcp("0.0.0.0/0", 3000, 4000)], True),  # holds 3389
        ([{"source": "0.0.0.0/0", "protocol": "all"}], True),  # every protocol: no tcpOptions
        ([_tcp("::/0", 22, 22)], True),  # IPv6's whole internet
        ([_tcp("0.0.0.0/0", 443, 443)], False),
        ([_tcp("0.0.0.0/0", 23, 3388)], False),  # between the two ports
        ([_tcp("10.0.0.0/16", 1, 65535), {"source": "10.0.0.0/8", "protocol": "all"}], False),
    ],
)
def test_ingress_rule_reads_every_form_of_an_open_port(rules, fires):
    for make in (audit, events_service):
        event = make(IC.replace("identityControlPlane", "virtualNetwork") + "UpdateSecurityList", data=_sl(rules))
        assert len(fired([event], "oci_ingress_open_to_internet")) == int(fires), (make.__name__, rules)


def test_an_nsg_rule_added_for_every_protocol_from_ipv6_anywhere_fires():
    rule = {"data": {"stateChange": {"current": {"source": "::/0", "protocol": "all", "direction": "INGRESS"}}}}
    event = audit("com.oraclecloud.virtualNetwork.AddNetworkSecurityGroupSecurityRules", data=rule)
    assert len(fired([event], "oci_ingress_open_to_internet")) == 1


@pytest.mark.parametrize(("enabled", "fires"), [(False, 1), (True, 0)])
def test_a_log_turned_off_fires_the_log_rule(enabled, fires):
    change = {"data": {"stateChange": {"current": {"isEnabled": enabled, "displayName": "vcn-flows"}}}}
    for make in (audit, events_service):
        event = make("com.oraclecloud.logging.UpdateLog", data=change)
        assert len(fired([event], "oci_log_deleted")) == fires


def test_administrators_known_by_ocid_through_a_placeholder():
    group = "ocid1.group.oc1..aaaaaaaaadministrators"
    membership = {"data": {"resourceName": None, "stateChange": {"current": {"groupId": group, "userId": "u"}}}}
    event = audit(IC + "AddUserToGroup", data=membership)
    assert fired([event], "oci_user_added_to_administrators") == []  # no name, no placeholder: cannot tell
    placeholders = {"administrators_group_ids": (group.upper(),)}
    assert len(fired([event], "oci_user_added_to_administrators", placeholders)) == 1
    other = audit(IC + "AddUserToGroup", data={"data": {"stateChange": {"current": {"groupId": "ocid1.group..dev"}}}})
    assert fired([other], "oci_user_added_to_administrators", placeholders) == []


def test_placeholders_are_a_checked_key():
    from forwarder.config import ConfigError
    from forwarder.settings import load_settings as load

    settings = load({"DETECTION_PLACEHOLDERS": json.dumps({"administrators_group_ids": ["ocid1.group..a"]})})
    assert settings.detection.placeholders == {"administrators_group_ids": ("ocid1.group..a",)}
    with pytest.raises(ConfigError, match="DETECTION_PLACEHOLDERS"):
        load({"DETECTION_PLACEHOLDERS": '{"bad name": ["x"]}'})


def test_splunk_export_has_every_emitting_rule_and_says_where_it_differs(capsys):
    from forwarder.cli import main

    assert main(["rules", "export", "--target", "splunk"]) == 0
    out = capsys.readouterr().out
    emitting = pack.emitting(pack.builtin())
    for rule in emitting:
        assert f"({rule['id']})" in out, rule["name"]
    assert "order not checked" in out and "| multisearch" in out  # temporal_ordered exported as temporal
    assert "inputlookup administrators_group_ids.csv" in out  # an unset placeholder: a lookup to fill
