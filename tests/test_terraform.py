"""The Terraform module (no terraform binary here): HCL parses, variables are documented, the config
keys match the code, Events rule conditions match the right sample events, checkov passes, and
func.yaml / requirements.txt are deployable."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import hcl2
import pytest
from hcl2 import SerializationOptions

from forwarder.config import FUNCTION_KEYS
from tests.conftest import DATA, sample
from tests.events_filter import matches

ROOT = Path(__file__).resolve().parents[1]
TF = ROOT / "terraform"
CHECKOV = Path(os.environ.get("CHECKOV", ROOT / ".venv-checkov" / "bin" / "checkov"))


def load(name: str) -> dict:
    with open(TF / name) as handle:
        return hcl2.load(handle, serialization_options=SerializationOptions(strip_string_quotes=True,
                                                                             explicit_blocks=False))  # fmt: skip


def variables() -> dict[str, dict]:
    return {name: body for block in load("variables.tf")["variable"] for name, body in block.items()}


def locals_() -> dict:
    out: dict = {}
    for block in load("main.tf")["locals"]:
        out.update(block)
    return out


def resources() -> dict[tuple[str, str], dict]:
    return {(kind, name): body for block in load("main.tf")["resource"] for kind, named in block.items()
            for name, body in named.items()}  # fmt: skip


def test_every_tf_file_parses():
    files = sorted(TF.rglob("*.tf"))
    assert {f.name for f in files} >= {"versions.tf", "variables.tf", "main.tf", "outputs.tf"}
    for path in files:
        load(path.relative_to(TF).as_posix())


def test_every_variable_has_a_description_and_a_type():
    for name, body in variables().items():
        assert body.get("description"), name
        assert body.get("type"), name


def test_provider_is_pinned():
    provider = load("versions.tf")["terraform"][0]["required_providers"][0]["oci"]
    assert provider["source"] == "oracle/oci" and re.fullmatch(r"~> \d+\.\d+", provider["version"])


def test_config_keys_are_exactly_the_keys_the_code_reads_from_function_config():
    config = locals_()["function_config_all"]
    assert set(config) == FUNCTION_KEYS
    function = resources()[("oci_functions_function", "forwarder")]
    assert function["config"] == "${local.function_config}"


def test_sensitive_inputs_are_marked():
    v = variables()
    assert v["siem_http_token"]["sensitive"] is True and v["ticket_credentials_json"]["sensitive"] is True


def cloudguard_condition(risk_levels: list[str]) -> dict:
    """The cloudguard rule condition, built from the HCL locals as Terraform would for `risk_levels`."""
    spellings_hcl = locals_()["risk_level_spellings"]
    assert "upper(r), title(lower(r)), lower(r)" in spellings_hcl  # the spellings mirrored below
    types = locals_()["problem_event_types"]
    if not risk_levels:
        return {"eventType": types}
    spellings = list(dict.fromkeys(s for r in risk_levels for s in (r.upper(), r.lower().title(), r.lower())))
    return {"eventType": types, "data": {"additionalDetails": {"riskLevel": spellings}}}


def audit_condition() -> dict:
    assert locals_()["audit_condition"] == {"eventType": "${var.audit_event_types}"}
    return {"eventType": variables()["audit_event_types"]["default"]}


def test_rules_use_the_conditions_and_call_the_function():
    rules = resources()
    assert rules[("oci_events_rule", "cloudguard_problems")]["condition"] == "${jsonencode(local.cloudguard_condition)}"
    assert rules[("oci_events_rule", "audit_events")]["condition"] == "${jsonencode(local.audit_condition)}"
    for name in ("cloudguard_problems", "audit_events"):
        ((action,),) = [block["actions"] for block in rules[("oci_events_rule", name)]["actions"]]
        assert action["action_type"] == "FAAS" and action["function_id"] == "${oci_functions_function.forwarder.id}"


EVENT_SAMPLES = sorted(p.name for p in DATA.glob("*.json") if not p.name.startswith("audit-batch"))


@pytest.mark.parametrize("name", EVENT_SAMPLES)
def test_rule_conditions_match_the_right_samples(name):
    event = sample(name)
    is_problem = name.startswith("cloudguard-")
    assert matches(cloudguard_condition([]), event) == is_problem
    assert matches(audit_condition(), event) == (not is_problem)


def test_every_problem_type_matches_and_other_cloud_guard_events_do_not():
    event = sample("cloudguard-problemdetected-bucket-public-critical.json")
    for suffix in ("problemdetected", "problemdismissed", "problemremediated", "problemthresholdreached"):
        assert matches(cloudguard_condition([]), {**event, "eventType": f"com.oraclecloud.cloudguard.{suffix}"})
    assert not matches(cloudguard_condition([]), {**event, "eventType": "com.oraclecloud.cloudguard.announcements"})


def test_risk_level_filter_matches_any_spelling_and_needs_the_field():
    condition = cloudguard_condition(["critical", "HIGH"])
    assert matches(condition, sample("cloudguard-problemdetected-bucket-public-critical.json"))
    assert matches(condition, sample("cloudguard-problemdetected-host-vulnerability-high-mixedcase-no-eventid.json"))
    assert not matches(condition, sample("cloudguard-problemdetected-dhcp-option-medium.json"))
    no_risk = sample("cloudguard-problemdetected-bucket-public-critical.json")
    del no_risk["data"]["additionalDetails"]["riskLevel"]
    assert not matches(condition, no_risk)  # every named field must exist


def test_connector_hub_records_are_not_events_service_events():
    (record,) = sample("audit-batch-listevents.json")
    assert not matches(audit_condition(), record) and not matches(cloudguard_condition([]), record)


def test_filter_semantics():
    assert matches(
        {"eventType": "com.oraclecloud.identitycontrolplane.*"},
        {"eventType": "com.oraclecloud.identitycontrolplane.createuser"},
    )
    assert not matches(
        {"eventType": "com.oraclecloud.identitycontrolplane.*"},
        {"eventType": "com.oraclecloud.objectstorage.createbucket"},
    )
    assert matches({"a": ["x", "y"], "b": {"c": "z*"}}, {"a": "y", "b": {"c": "zz"}, "d": 1})
    assert not matches({"a": "x", "b": "y"}, {"a": "x"})


def test_policy_is_least_privilege():
    statements = locals_()["policy_statements"]
    text = json.dumps(statements)
    assert "manage all-resources" not in text and "to manage objects" in text
    assert "request.permission = 'OBJECT_CREATE'" in text and "target.bucket.name" in text
    assert "read secret-bundles in tenancy where target.secret.id" in text
    assert "Allow service cloudEvents to use fn-function" in text and "read objectstorage-namespaces" in text
    assert "request.principal.type = 'serviceconnector'" in text


def test_dead_letter_bucket_is_private_and_versioned():
    bucket = resources()[("oci_objectstorage_bucket", "dead_letter")]
    assert bucket["access_type"] == "NoPublicAccess" and bucket["versioning"] == "Enabled"
    assert "dead_letter_kms_key_ocid" in bucket["kms_key_id"]


def test_checkov_reports_no_failed_check_and_every_skip_has_a_reason():
    assert CHECKOV.exists(), f"checkov is not installed at {CHECKOV}: run `make test` (it installs it)"
    out = subprocess.run([str(CHECKOV), "-d", str(TF), "--framework", "terraform", "--skip-download", "-o", "json",
                          "--quiet"], capture_output=True, text=True, timeout=600)  # fmt: skip
    report = json.loads(out.stdout)
    summary = report["summary"] if isinstance(report, dict) else report[0]["summary"]
    assert summary["failed"] == 0, out.stdout[:4000]
    assert summary["passed"] > 0
    skips = re.findall(r"checkov:skip=(CKV_\w+)(:?)(.*)", "\n".join(p.read_text() for p in TF.rglob("*.tf")))
    assert len(skips) == summary["skipped"]
    for check, colon, reason in skips:
        assert colon and reason.strip(), f"{check} is skipped without a reason"


FN_FIELDS = {"schema_version", "name", "version", "runtime", "build_image", "run_image", "entrypoint", "cmd",
             "memory", "timeout", "idle_timeout", "config", "format", "triggers", "annotations", "content_type",
             "type", "build", "expects"}  # fmt: skip


def func_yaml() -> dict:
    out = {}
    for line in (ROOT / "func.yaml").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition(":")
            out[key.strip()] = value.strip()
    return out


def test_func_yaml_follows_the_fn_schema():
    spec = func_yaml()
    assert set(spec) <= FN_FIELDS and spec["schema_version"] == "20180708"
    assert spec["runtime"] in ("python3.11", "python3.12")
    version = spec["runtime"].removeprefix("python")
    assert (
        spec["build_image"] == f"fnproject/python:{version}-dev" and spec["run_image"] == f"fnproject/python:{version}"
    )
    assert spec["entrypoint"] == "/python/bin/fdk /function/func.py handler"
    assert int(spec["memory"]) in (128, 256, 512, 1024, 2048, 3072) and 1 <= int(spec["timeout"]) <= 300


def test_requirements_are_pinned_and_install_in_a_fresh_venv(tmp_path):
    lines = [line for line in (ROOT / "requirements.txt").read_text().splitlines() if line and not line.startswith("#")]
    assert lines and all(re.fullmatch(r"[A-Za-z0-9_.-]+==[0-9][A-Za-z0-9_.]*", line) for line in lines), lines
    version = func_yaml()["runtime"].removeprefix("python")
    python = f"python{version}"
    venv = tmp_path / "venv"
    subprocess.run([python, "-m", "venv", str(venv)], check=True)
    out = subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check", "-r",
                          str(ROOT / "requirements.txt")], capture_output=True, text=True)  # fmt: skip
    assert out.returncode == 0, out.stderr[-3000:]
    check = subprocess.run([str(venv / "bin" / "python"), "-c", "import fdk, oci, httpx, sys; print(sys.version)"],
                           capture_output=True, text=True)  # fmt: skip
    assert check.returncode == 0 and check.stdout.startswith(version), check.stderr
    assert sys.version_info >= (3, 11)


def test_readme_tables_list_every_input_and_output():
    readme = (TF / "README.md").read_text()
    documented = set(re.findall(r"^\| `([a-z0-9_]+)` \|", readme, re.M))
    outputs = {name for block in load("outputs.tf")["output"] for name in block}
    assert documented == set(variables()) | outputs


def test_example_tfvars_sets_declared_variables_and_every_required_one():
    example = {k: v for k, v in load("examples/terraform.tfvars.example").items() if not k.startswith("__")}
    declared = variables()
    assert set(example) <= set(declared)
    assert {name for name, body in declared.items() if "default" not in body} <= set(example)
