"""The Terraform module, checked by the real terraform binary: `fmt`, `validate`, `plan` and `apply` against a
stand-in for the oracle/oci provider that serves the provider's own schema (tests/support/terraform). What
would be applied is read back from the stand-in's log; policies, rule conditions and config are asserted
there. Plus checkov, the documentation tables, func.yaml and requirements."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import hcl2
import pytest
from hcl2 import SerializationOptions

from forwarder.settings import FUNCTION_KEYS
from tests.conftest import DATA, clean_env, sample
from tests.events_filter import matches

ROOT = Path(__file__).resolve().parents[1]
TF = ROOT / "terraform"
CHECKOV = Path(os.environ.get("CHECKOV", ROOT / ".venv-checkov" / "bin" / "checkov"))
TERRAFORM = shutil.which("terraform")
EXAMPLE = {
    "tenancy_ocid": "ocid1.tenancy.oc1..aaaaaaaaexampletenancy",
    "region": "eu-frankfurt-1",
    "compartment_ocid": "ocid1.compartment.oc1..aaaaaaaaexamplesecops",
    "subnet_ocids": ["ocid1.subnet.oc1.eu-frankfurt-1.aaaaaaaaexampleprivate"],
    "function_image": "fra.ocir.io/exampletenancy/oci-forwarder/oci-security-forwarder:0.1.0",
    "siem_syslog_url": "tls://siem.example.com:6514",
    "report_enabled": False,  # the forwarder alone; the reporter has its own tests (REPORT, below)
}
VAULT = {
    "vault_ocid": "ocid1.vault.oc1.eu-frankfurt-1.examplevault",
    "vault_key_ocid": "ocid1.key.oc1.eu-frankfurt-1.examplekey",
}


@dataclass
class Run:
    returncode: int
    output: str
    created: list[dict]  #: what the stand-in provider was asked to create: {"type", "region", "values"}
    outputs: dict

    def one(self, kind: str) -> dict:
        (found,) = [c for c in self.created if c["type"] == kind]
        return found


@pytest.fixture(scope="session")
def terraform(tmp_path_factory):
    """run(command, variables, home_region=None): terraform <command> on a fresh copy of terraform/."""
    assert TERRAFORM, "terraform is not on PATH (1.5 or later)"
    base = tmp_path_factory.mktemp("terraform")
    (base / "bin").mkdir()
    launcher = base / "bin" / "terraform-provider-oci"
    provider = ROOT / "tests" / "support" / "terraform" / "provider.py"
    launcher.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{provider}" "$@"\n')
    launcher.chmod(0o755)
    rc = base / "terraform.rc"
    rc.write_text(
        f'provider_installation {{\n  dev_overrides {{ "oracle/oci" = "{base / "bin"}" }}\n  direct {{}}\n}}\n'
    )
    runs: dict[str, Run] = {}

    def run(command: str, variables: dict | None = None, home_region: str | None = None, module: str = "") -> Run:
        """`module`: a folder under terraform/ run as the root (e.g. modules/cross-tenancy-admit)."""
        key = json.dumps([command, variables, home_region, module], sort_keys=True)
        if key not in runs:  # the same run gives the same result: do it once per session
            runs[key] = _run(command, variables, home_region, base / f"run{len(runs)}", module)
        return runs[key]

    def _run(command: str, variables: dict | None, home_region: str | None, top: Path, module: str) -> Run:
        shutil.copytree(TF, top, ignore=shutil.ignore_patterns(".terraform*", "*.tfstate*", "terraform.tfvars"))
        work = top / module
        if not module:  # the module run as a root, as Resource Manager's stack runs it: with the stack's providers
            shutil.copy(top / "stack" / "providers.tf", work / "stack_providers.tf")
        elif module.startswith("modules/"):  # a module declares no provider: the caller's, here in the home region
            (work / "provider_test.tf").write_text(f'provider "oci" {{\n  region = "{home_region}"\n}}\n')
        if variables is not None:
            (work / "terraform.tfvars.json").write_text(json.dumps(variables))
        log = work / "created.jsonl"
        env = {
            **os.environ,
            "TF_CLI_CONFIG_FILE": str(rc),
            "TF_IN_AUTOMATION": "1",
            "TF_INPUT": "0",
            "CHECKPOINT_DISABLE": "1",
            "OCI_STAND_IN_LOG": str(log),
            "OCI_STAND_IN_HOME_REGION": home_region or (variables or {}).get("region", ""),
        }
        args = {"apply": ["apply", "-auto-approve"], "plan": ["plan"], "validate": ["validate"]}[command]
        if not module.startswith("modules/"):  # modules/function, or the module itself: local paths, no registry
            got = subprocess.run([TERRAFORM, "get", "-no-color"], cwd=work, env=env, capture_output=True, text=True)
            assert got.returncode == 0, got.stdout + got.stderr
        out = subprocess.run(
            [TERRAFORM, *args, "-no-color"], cwd=work, env=env, capture_output=True, text=True, timeout=300
        )
        created = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
        outputs = {}
        if command == "apply" and out.returncode == 0:
            shown = subprocess.run(
                [TERRAFORM, "output", "-json", "-no-color"],
                cwd=work,
                env=env,
                capture_output=True,
                text=True,
                timeout=60,
            )
            outputs = {name: value["value"] for name, value in json.loads(shown.stdout).items()}
        return Run(out.returncode, out.stdout + out.stderr, created, outputs)

    return run


def test_fmt_is_clean():
    assert TERRAFORM, "terraform is not on PATH"
    out = subprocess.run([TERRAFORM, "fmt", "-check", "-recursive", "-diff", str(TF)], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_validate_succeeds(terraform):
    result = terraform("validate")
    assert result.returncode == 0 and "The configuration is valid" in result.output, result.output


def test_plan_succeeds_with_sensitive_inputs(terraform):
    """Secret OCIDs chosen by tests on sensitive variables made every output that reads the config sensitive
    ("Output refers to sensitive values"), and a count from a sensitive test is refused."""
    hec = {
        "siem_http_token": "hec-token",
        "siem_http_format": "splunk-hec",
        "siem_http_url": "https://splunk.example.com:8088/services/collector/event",
    }
    result = terraform("plan", {**EXAMPLE, **VAULT, **hec})
    assert result.returncode == 0, result.output
    assert "Plan: 10 to add" in result.output and "hec-token" not in result.output


def test_apply_writes_iam_in_the_home_region_and_the_rest_in_the_region(terraform):
    result = terraform("apply", {**EXAMPLE, "home_region": "us-ashburn-1"}, home_region="us-ashburn-1")
    assert result.returncode == 0, result.output
    regions = {c["type"]: c["region"] for c in result.created}
    assert regions.pop("oci_identity_dynamic_group") == regions.pop("oci_identity_policy") == "us-ashburn-1"
    assert set(regions.values()) == {"eu-frankfurt-1"} and "oci_functions_function" in regions


def test_iam_outside_the_home_region_fails_as_the_api_does(terraform):
    """The stand-in refuses IAM writes outside the home region; without home_region set the module writes
    them in `region`, so a tenancy whose home is elsewhere must say so."""
    result = terraform("apply", EXAMPLE, home_region="us-ashburn-1")
    assert result.returncode != 0 and "IAM resources can only be written in the home region" in result.output


def test_rules_live_in_the_tenancy_root_by_default_and_call_the_function(terraform):
    result = terraform("apply", EXAMPLE)
    assert result.returncode == 0, result.output
    function = result.one("oci_functions_function")["values"]["id"]
    rules = [c["values"] for c in result.created if c["type"] == "oci_events_rule"]
    assert len(rules) == 2 and {r["compartment_id"] for r in rules} == {EXAMPLE["tenancy_ocid"]}
    for rule in rules:
        ((action,),) = [block["actions"] for block in rule["actions"]]
        assert (action["action_type"], action["function_id"], action["is_enabled"]) == ("FAAS", function, True)
    other = terraform("apply", {**EXAMPLE, "rules_compartment_ocid": "ocid1.compartment.oc1..aaaaaaaasecops"})
    assert {c["values"]["compartment_id"] for c in other.created if c["type"] == "oci_events_rule"} == {
        "ocid1.compartment.oc1..aaaaaaaasecops"
    }


def policy(result: Run) -> list[str]:
    return result.one("oci_identity_policy")["values"]["statements"]


def test_policy_is_least_privilege(terraform):
    result = terraform("apply", {**EXAMPLE, **VAULT, "siem_http_token": "t0ken-value", "enable_audit_connector": True})
    assert result.returncode == 0, result.output
    statements = policy(result)
    secret = result.one("oci_vault_secret")["values"]["id"]
    dg = result.one("oci_identity_dynamic_group")["values"]
    assert (
        dg["matching_rule"]
        == f"ALL {{resource.type = 'fnfunc', resource.id = '{result.one('oci_functions_function')['values']['id']}'}}"
    )
    text = "\n".join(statements)
    assert (
        f"Allow dynamic-group {dg['name']} to read secret-bundles in tenancy where target.secret.id = '{secret}'"
        in text
    )
    assert "request.permission = 'OBJECT_CREATE'" in text and "target.bucket.name = 'oci-forwarder-dead-letter'" in text
    assert "request.principal.type = 'serviceconnector'" in text
    assert "manage all-resources" not in text and "objectstorage-namespaces" not in text and "use keys" not in text
    assert "t0ken-value" not in result.output


def test_a_customer_managed_key_is_granted_to_object_storage_before_the_bucket(terraform):
    key = "ocid1.key.oc1.eu-frankfurt-1.examplebucketkey"
    result = terraform("apply", {**EXAMPLE, "dead_letter_kms_key_ocid": key})
    assert result.returncode == 0, result.output
    assert f"Allow service objectstorage-eu-frankfurt-1 to use keys in tenancy where target.key.id = '{key}'" in policy(
        result
    )
    order = [c["type"] for c in result.created]
    assert order.index("oci_identity_policy") < order.index("oci_objectstorage_bucket")
    assert result.one("oci_objectstorage_bucket")["values"]["kms_key_id"] == key


@pytest.mark.parametrize(
    "variables, message",
    [
        ({"siem_http_token": "t"}, "set vault_ocid and vault_key_ocid"),
        ({"ticket_credentials_json": '{"routing_key": "k"}', "ticket_system": "pagerduty"}, "set vault_ocid and"),
        ({"vault_ocid": "my-vault"}, "vault_ocid must be empty or a vault OCID"),
        ({"dead_letter_kms_key_ocid": "ocid1.vault.oc1..x"}, "dead_letter_kms_key_ocid must be empty or a key OCID"),
        ({"home_region": "Frankfurt"}, "home_region must be empty or a region identifier"),
        ({"function_image": "oci-security-forwarder:0.1.0"}, "function_image must be a registry image reference"),
        ({"function_image": "fra.ocir.io/ns/repo"}, "function_image must be a registry image reference"),
    ],
)
def test_bad_inputs_are_refused_at_plan_naming_the_variable(terraform, variables, message):
    result = terraform("plan", {**EXAMPLE, **variables})
    assert result.returncode != 0 and message in " ".join(result.output.split()), result.output


def test_a_government_realm_deploys_with_its_own_regions_and_registry(terraform):
    """Nothing in the module assumes the commercial realm: a US Government Cloud region and registry plan."""
    gov = {
        **EXAMPLE,
        "region": "us-langley-1",
        "home_region": "us-langley-1",
        "function_image": "lfi.ocir.oraclegovcloud.com/ns/oci-forwarder/oci-security-forwarder:0.1.0",
    }
    result = terraform("plan", gov)
    assert result.returncode == 0, result.output


def python_config_size(config: dict[str, str]) -> int:
    return sum(len(key) + len(value) for key, value in config.items())


def test_the_function_config_size_is_known_and_over_4_kb_is_refused(terraform, tmp_path):
    from tests.support.rsyslog import make_cert

    result = terraform("apply", EXAMPLE)
    config = result.one("oci_functions_function")["values"]["config"]
    assert result.outputs["function_config_bytes"] == python_config_size(config) < 4096
    cert, _ = make_cert(tmp_path, "ca")
    pem = cert.read_text()
    fits = terraform("plan", {**EXAMPLE, "siem_syslog_ca_cert": pem})
    assert fits.returncode == 0, fits.output
    too_big = terraform("plan", {**EXAMPLE, "siem_syslog_ca_cert": pem, "siem_http_ca_cert": pem * 3})  # 4 x 1.1 KB
    assert too_big.returncode != 0
    said = " ".join(too_big.output.split())
    assert re.search(r"The oci-forwarder-fn config would take \d{4} bytes; OCI Functions allows 4096", said)


def test_config_keys_are_exactly_the_keys_the_code_reads_from_function_config(terraform):
    locals_ = {}
    for block in load("main.tf")["locals"]:
        locals_.update(block)
    assert set(locals_["function_config_all"]) == FUNCTION_KEYS
    result = terraform(
        "apply",
        {
            **EXAMPLE,
            **VAULT,
            "siem_http_token": "t",
            "siem_http_url": "https://h/x",
            "ticket_system": "jira",
            "ticket_url": "https://x.atlassian.net",
            "ticket_jira_project": "SEC",
            "ticket_credentials_json": "{}",
        },
    )
    config = result.one("oci_functions_function")["values"]["config"]
    assert set(config) <= FUNCTION_KEYS and config["TICKET_SECRET_OCID"].startswith("ocid1.vaultsecret.")
    assert (
        config["DEAD_LETTER_NAMESPACE"] == "standinnamespace"
        and config["SIEM_SYSLOG_URL"] == EXAMPLE["siem_syslog_url"]
    )


EVENT_TYPES = json.loads((TF / "event-types.json").read_text())


def test_every_event_type_names_a_source_and_only_sourced_names_are_used(terraform):
    for group in ("cloudguard", "audit"):
        for name, sources in EVENT_TYPES[group].items():
            assert sources and set(sources) <= set(EVENT_TYPES["sources"]), name
            assert re.fullmatch(r"com\.oraclecloud\.[a-z]+\.[a-z]+(\.begin|\.end)?", name), name
    names = set(EVENT_TYPES["audit"])
    assert all(n.endswith((".begin", ".end")) for n in names if ".keymanagementservice." in n)
    assert not [n for n in names if re.search(r"eventsservice\..*rule|cloudguard\.update", n)]
    result = terraform("apply", EXAMPLE)
    assert sorted(result.outputs["audit_rule_event_types"]) == sorted(names)


def applied_conditions(terraform, risk_levels: list[str]) -> tuple[dict, dict]:
    result = terraform("apply", {**EXAMPLE, "cloudguard_risk_levels": risk_levels})
    assert result.returncode == 0, result.output
    rules = {
        c["values"]["display_name"]: json.loads(c["values"]["condition"])
        for c in result.created
        if c["type"] == "oci_events_rule"
    }
    return rules["oci-forwarder-cloudguard-problems"], rules["oci-forwarder-audit-events"]


EVENTS_SERVICE_SAMPLES = sorted(p.name for p in DATA.glob("*.json") if p.name.startswith(("cloudguard-", "audit-obj")))


def test_rule_conditions_match_the_right_samples(terraform):
    problems, audit = applied_conditions(terraform, [])
    for name in EVENTS_SERVICE_SAMPLES:
        is_problem = name.startswith("cloudguard-")
        assert matches(problems, sample(name)) == is_problem, name
        assert matches(audit, sample(name)) == (not is_problem), name
    event = sample("cloudguard-problemdetected-bucket-public-critical.json")
    for suffix in ("problemdetected", "problemdismissed", "problemremediated", "problemthresholdreached"):
        assert matches(problems, {**event, "eventType": f"com.oraclecloud.cloudguard.{suffix}"})
    assert not matches(problems, {**event, "eventType": "com.oraclecloud.cloudguard.announcements"})
    (record,) = sample("audit-batch-listevents.json")  # Connector Hub records are not Events Service events
    assert not matches(audit, record) and not matches(problems, record)


def test_risk_level_filter_matches_any_spelling_and_needs_the_field(terraform):
    problems, _ = applied_conditions(terraform, ["critical", "HIGH"])
    assert matches(problems, sample("cloudguard-problemdetected-bucket-public-critical.json"))
    assert matches(problems, sample("cloudguard-problemdetected-host-vulnerability-high-mixedcase-no-eventid.json"))
    assert not matches(problems, sample("cloudguard-problemdetected-dhcp-option-medium.json"))
    no_risk = sample("cloudguard-problemdetected-bucket-public-critical.json")
    del no_risk["data"]["additionalDetails"]["riskLevel"]
    assert not matches(problems, no_risk)  # every named field must exist


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


def test_dead_letter_bucket_is_private_and_versioned(terraform):
    bucket = terraform("apply", EXAMPLE).one("oci_objectstorage_bucket")["values"]
    assert (bucket["access_type"], bucket["versioning"], bucket["kms_key_id"]) == ("NoPublicAccess", "Enabled", None)


def test_checkov_reports_no_failed_check_and_every_skip_has_a_reason():
    assert CHECKOV.exists(), f"checkov is not installed at {CHECKOV}: run `make test` (it installs it)"
    out = subprocess.run(
        [str(CHECKOV), "-d", str(TF), "--framework", "terraform", "--skip-download", "-o", "json"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    report = json.loads(out.stdout)
    summary = report["summary"] if isinstance(report, dict) else report[0]["summary"]
    assert summary["failed"] == 0, out.stdout[:4000]
    assert summary["passed"] > 0
    skips = re.findall(r"checkov:skip=(CKV_\w+)(:?)(.*)", "\n".join(p.read_text() for p in TF.rglob("*.tf")))
    # the module's resources are checked once per example calling it: a skip counts once per resource
    skipped = {
        (c["check_id"], c["file_path"], re.sub(r"^(module\.\w+\.)+|\[\d+\]$", "", c["resource"]))
        for c in (report if isinstance(report, dict) else report[0])["results"]["skipped_checks"]
    }
    assert len(skips) == len(skipped)
    for check, colon, reason in skips:
        assert colon and reason.strip(), f"{check} is skipped without a reason"


def load(name: str) -> dict:
    with open(TF / name) as handle:
        return hcl2.load(
            handle, serialization_options=SerializationOptions(strip_string_quotes=True, explicit_blocks=False)
        )


def variables(stack: bool = False) -> dict[str, dict]:
    """The module's variables; with `stack`, those of the stack's providers.tf too (home_region)."""
    found = {name: body for block in load("variables.tf")["variable"] for name, body in block.items()}
    if stack:
        found |= {name: body for block in load("stack/providers.tf")["variable"] for name, body in block.items()}
    return found


def test_every_variable_has_a_description_and_a_type():
    for name, body in variables().items():
        assert body.get("description") and body.get("type"), name
    assert variables()["siem_http_token"]["sensitive"] is True
    assert variables()["ticket_credentials_json"]["sensitive"] is True


def test_readme_tables_list_every_input_and_output():
    readme = (TF / "README.md").read_text()
    documented = set(re.findall(r"^\| `([a-z0-9_]+)` \|", readme, re.M))
    outputs = {name for block in load("outputs.tf")["output"] for name in block}
    assert documented == set(variables()) | outputs


def test_the_examples_call_the_module_with_their_own_providers_and_apply(terraform):
    text = (TF / "versions.tf").read_text()
    assert "configuration_aliases = [oci.home]" in text and not re.search(r"^provider ", text, re.M)
    assert not [p for p in TF.glob("*.tf") if re.search(r"^provider ", p.read_text(), re.M)]  # a module: no provider
    minimal = terraform("apply", None, home_region="eu-frankfurt-1", module="examples/minimal")
    assert minimal.returncode == 0, minimal.output
    assert minimal.outputs["function_ocid"].startswith("ocid1.")
    complete = terraform("apply", None, home_region="us-ashburn-1", module="examples/complete")
    assert complete.returncode == 0, complete.output
    regions = {(c["type"], c["region"]) for c in complete.created}
    assert ("oci_identity_policy", "us-ashburn-1") in regions  # the caller's oci.home
    assert ("oci_functions_function", "eu-frankfurt-1") in regions
    assert {c["values"]["display_name"] for c in complete.created if c["type"] == "oci_functions_function"} == {
        "oci-forwarder-fn",
        "oci-forwarder-collector",
        "oci-forwarder-reporter",
    }
    assert complete.outputs["alarm_topic_ocid"].startswith("ocid1.")
    docs = (ROOT / "README.md").read_text() + "".join(p.read_text() for p in (ROOT / "docs").glob("*.md"))
    named = set(re.findall(r"terraform output (?:-raw )?([a-z_]+)", docs)) | {"cross_tenancy_admit_statements"}
    assert named <= set(complete.outputs), named - set(complete.outputs)  # every output the steps read


FN_FIELDS = {
    "schema_version",
    "name",
    "version",
    "runtime",
    "build_image",
    "run_image",
    "entrypoint",
    "cmd",
    "memory",
    "timeout",
    "idle_timeout",
    "config",
    "format",
    "triggers",
    "annotations",
    "content_type",
    "type",
    "build",
    "expects",
}


def func_yaml() -> dict:
    out = {}
    for line in (ROOT / "func.yaml").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition(":")
            out[key.strip()] = value.strip()
    return out


def dockerfile() -> list[tuple[str, str]]:
    """The Dockerfile's instructions as (INSTRUCTION, arguments), continuation lines joined."""
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines]


def runtime_version() -> str:
    """The Python version of the function's image ("3.11"), from the Dockerfile's run stage."""
    images = [args.split()[0] for op, args in dockerfile() if op == "FROM"]
    return images[-1].removeprefix("fnproject/python:")


def test_func_yaml_and_dockerfile_follow_the_fn_schema():
    spec = func_yaml()
    assert set(spec) <= FN_FIELDS and spec["schema_version"] == "20180708"
    assert spec["runtime"] == "docker"  # fn build uses ./Dockerfile
    assert int(spec["memory"]) in (128, 256, 512, 1024, 2048, 3072) and 1 <= int(spec["timeout"]) <= 300
    steps = dockerfile()
    images = [args.split() for op, args in steps if op == "FROM"]
    version = runtime_version()
    assert version in ("3.11", "3.12")
    assert images == [[f"fnproject/python:{version}-dev", "AS", "build-stage"], [f"fnproject/python:{version}"]]
    assert ("ENTRYPOINT", '["/python/bin/fdk", "/function/func.py", "handler"]') in steps
    assert ("ENV", "PYTHONPATH=/function:/python") in steps
    assert ("ADD", "files /function/files") in steps  # CA bundles and rule files named by path in config


def test_make_image_builds_for_the_applications_shape_tagged_with_func_yaml_version():
    registry = "fra.ocir.io/acme/oci-forwarder"
    done = subprocess.run(["make", "-n", "image", f"REGISTRY={registry}"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    image = f"{registry}/oci-security-forwarder:{func_yaml()['version']}"
    assert f"docker build --platform linux/amd64 -t {image} ." in done.stdout  # GENERIC_X86, even on arm64 laptops
    assert f"docker push {image}" in done.stdout and f'function_image = "{image}"' in done.stdout
    assert re.search(r'shape\s*=\s*"GENERIC_X86"', (TF / "main.tf").read_text())  # the shape the build is for
    missing = subprocess.run(["make", "image"], cwd=ROOT, capture_output=True, text=True)
    assert missing.returncode != 0 and "make image REGISTRY=<region-key>.ocir.io/<namespace>/" in missing.stderr


def test_the_image_ships_bytecode_that_a_read_only_function_directory_uses(tmp_path):
    """The Dockerfile's build steps, replayed here: the sources it adds and its compileall command. Then,
    with the directory read-only and the sources' times changed (as copies into an image may do),
    importing func and forwarder loads every module from the .pyc files: nothing is compiled at start."""
    steps = dockerfile()
    function = tmp_path / "function"
    function.mkdir()
    for op, args in steps:
        if op == "ADD" and args.split()[1].startswith("/function/") and args.split()[0] != "requirements.txt":
            source = ROOT / args.split()[0]
            if source.is_dir():
                shutil.copytree(source, function / source.name, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                shutil.copy(source, function)
    (compile_step,) = [args for op, args in steps if op == "RUN" and "compileall" in args]
    command = compile_step.replace("/python", "").replace("/function", str(function)).split()
    assert command[0] == f"python{runtime_version()}"
    subprocess.run([sys.executable, *command[1:]], check=True)
    for path in function.rglob("*.py"):
        os.utime(path, (1, 1))  # a different modification time than the one compiled
    for path in function.rglob("*"):
        path.chmod(path.stat().st_mode & ~0o222)
    try:
        code = "import func, forwarder.wiring, forwarder.cli, forwarder.sinks.syslog, forwarder.formats.cef"
        env = {**clean_env(), "PYTHONPATH": str(function), "PYTHONDONTWRITEBYTECODE": "1"}
        out = subprocess.run([sys.executable, "-v", "-c", code], cwd=function, capture_output=True, text=True, env=env)
        assert out.returncode == 0, out.stderr[-2000:]
        ours = [line for line in out.stderr.splitlines() if str(function) in line]
        from_pyc = {line for line in ours if line.startswith("# code object from ") and ".pyc" in line}
        compiled = [line for line in ours if "code object from" in line and ".pyc" not in line]
        assert len(from_pyc) >= 10 and not compiled, (compiled, len(from_pyc))
    finally:
        for path in function.rglob("*"):
            path.chmod(path.stat().st_mode | 0o200)


def test_requirements_are_pinned_and_install_in_a_fresh_venv(tmp_path):
    lines = [line for line in (ROOT / "requirements.txt").read_text().splitlines() if line and not line.startswith("#")]
    assert lines and all(re.fullmatch(r"[A-Za-z0-9_.-]+==[0-9][A-Za-z0-9_.]*", line) for line in lines), lines
    version = runtime_version()
    venv = tmp_path / "venv"
    subprocess.run([f"python{version}", "-m", "venv", str(venv)], check=True)
    out = subprocess.run(
        [
            str(venv / "bin" / "pip"),
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-r",
            str(ROOT / "requirements.txt"),
        ],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    # The function's own code imports with only these requirements, on the runtime's Python version.
    code = "import sys, func, forwarder.wiring, forwarder.tickets.jira; print(sys.version)"
    check = subprocess.run([str(venv / "bin" / "python"), "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    assert check.stdout.startswith(version)


COLLECT = {**EXAMPLE, "home_region": "us-ashburn-1", "collect_sources": ["audit", "cloudguard"]}


def test_the_collector_is_scheduled_and_gets_only_what_it_reads(terraform):
    from forwarder.settings.keys import COLLECTOR_KEYS

    assert not [c for c in terraform("apply", EXAMPLE).created if "resource_scheduler" in c["type"]]  # off by default
    result = terraform("apply", COLLECT, home_region="us-ashburn-1")
    assert result.returncode == 0, result.output
    functions = {
        c["values"]["display_name"]: c["values"] for c in result.created if c["type"] == "oci_functions_function"
    }
    collector = functions["oci-forwarder-collector"]
    assert set(collector["config"]) <= FUNCTION_KEYS | COLLECTOR_KEYS and collector["timeout_in_seconds"] == 300
    assert collector["config"]["COLLECT_SOURCES"] == "audit,cloudguard"
    assert collector["config"]["CHECKPOINT_BUCKET"] == "oci-forwarder-checkpoints"
    assert "COLLECT_SOURCES" not in functions["oci-forwarder-fn"]["config"]  # the push function refuses task bodies
    schedules = {
        c["values"]["display_name"]: c["values"]
        for c in result.created
        if c["type"] == "oci_resource_scheduler_schedule"
    }
    assert set(schedules) == {"oci-forwarder-collect-audit", "oci-forwarder-collect-cloudguard"}
    audit = schedules["oci-forwarder-collect-audit"]
    assert (audit["action"], audit["recurrence_type"], audit["recurrence_details"]) == (
        "START_RESOURCE",
        "CRON",
        "*/5 * * * *",
    )
    assert schedules["oci-forwarder-collect-cloudguard"]["recurrence_details"] == "*/30 * * * *"
    ((resource,),) = [audit["resources"]]
    assert resource["id"] == collector["id"]
    ((parameter,),) = [resource["parameters"]]
    assert parameter["parameter_type"] == "BODY"
    assert json.loads(parameter["value"][0]) == {"task": "collect", "sources": ["audit"]}

    policies = {c["values"]["name"]: c for c in result.created if c["type"] == "oci_identity_policy"}
    policy = policies["oci-forwarder-collector-policy"]
    assert policy["region"] == "us-ashburn-1"
    statements = policy["values"]["statements"]
    dg = "oci-forwarder-collector-dg"
    for wanted in (
        f"Allow dynamic-group {dg} to read audit-events in tenancy",
        f"Allow dynamic-group {dg} to read log-content in tenancy",
        f"Allow dynamic-group {dg} to read cloud-guard-family in tenancy",
        f"Allow dynamic-group {dg} to inspect compartments in tenancy",
        f"Allow dynamic-group {dg} to inspect tenancies in tenancy",
    ):
        assert wanted in statements
    manage = [s for s in statements if " manage " in s]
    assert all("target.bucket.name" in s for s in manage) and len(manage) == 2
    assert not [s for s in statements if re.search(r"\b(manage|use) all-resources\b", s)]
    invoke = [s for s in statements if "resourceschedule" in s]
    assert len(invoke) == 4 and all(
        f"request.principal.id = '{v['id']}'" in " ".join(invoke) for v in schedules.values()
    )
    bucket = [
        c["values"]
        for c in result.created
        if c["type"] == "oci_objectstorage_bucket" and c["values"]["name"] == "oci-forwarder-checkpoints"
    ]
    assert bucket and bucket[0]["access_type"] == "NoPublicAccess"
    dynamic = [c for c in result.created if c["type"] == "oci_identity_dynamic_group" and c["values"]["name"] == dg]
    assert dynamic[0]["region"] == "us-ashburn-1" and collector["id"] in dynamic[0]["values"]["matching_rule"]


def test_the_collector_config_size_counts_the_function_keys_and_its_own(terraform):
    queries = {f"q{i}": "search \"ocid1.tenancy.oc1..aaaa/flowlogs\" | where data.action = 'REJECT'" for i in range(60)}
    fits = terraform("apply", COLLECT, home_region="us-ashburn-1")
    functions = {
        c["values"]["display_name"]: c["values"]["config"]
        for c in fits.created
        if c["type"] == "oci_functions_function"
    }
    assert python_config_size(functions["oci-forwarder-collector"]) < 4096
    too_big = terraform(
        "plan", {**COLLECT, "collect_sources": ["logsearch"], "collect_queries": queries}, home_region="us-ashburn-1"
    )
    assert too_big.returncode != 0
    said = " ".join(too_big.output.split())
    assert re.search(r"The oci-forwarder-collector config would take \d{4} bytes; OCI Functions allows 4096", said)


REPORT = {
    **EXAMPLE,
    "home_region": "us-ashburn-1",
    "report_emails": ["secops@example.com"],
    "report_enabled": True,
    "report_timezone": "Europe/Paris",
}


def test_the_reporter_runs_daily_with_its_own_bucket_topic_and_least_privilege(terraform):
    from forwarder.settings.keys import REPORT_KEYS

    result = terraform("apply", REPORT, home_region="us-ashburn-1")
    assert result.returncode == 0, result.output
    functions = {
        c["values"]["display_name"]: c["values"] for c in result.created if c["type"] == "oci_functions_function"
    }
    reporter = functions["oci-forwarder-reporter"]
    config = reporter["config"]
    assert (
        set(config)
        <= REPORT_KEYS
        | {"COLLECT_TENANCY_OCID", "COLLECT_COMPARTMENT_OCID", "COLLECT_REGIONS"}
        | {"METRICS_NAMESPACE", "METRICS_COMPARTMENT_OCID"}
        and reporter["timeout_in_seconds"] == 300
    )
    assert config["METRICS_NAMESPACE"] == "security_forwarder"
    assert config["REPORT_BUCKET"] == "oci-forwarder-reports" and config["REPORT_TIMEZONE"] == "Europe/Paris"
    assert config["REPORT_TOPIC_OCID"].startswith("ocid1.") and "REPORT_LINK_HOURS" not in config
    assert "REPORT_BUCKET" not in functions["oci-forwarder-fn"]["config"]  # the push function refuses report tasks
    (schedule,) = [c["values"] for c in result.created if c["type"] == "oci_resource_scheduler_schedule"]
    assert schedule["recurrence_details"] == "30 1 * * *" and schedule["resources"][0]["id"] == reporter["id"]
    assert json.loads(schedule["resources"][0]["parameters"][0]["value"][0]) == {"task": "report"}
    (bucket,) = [
        c["values"]
        for c in result.created
        if c["type"] == "oci_objectstorage_bucket" and c["values"]["name"] == "oci-forwarder-reports"
    ]
    assert (
        bucket["access_type"] == "NoPublicAccess"
        and bucket["versioning"] == "Enabled"
        and not bucket["retention_rules"]
    )
    (topic,) = [c for c in result.created if c["type"] == "oci_ons_notification_topic"]
    (subscription,) = [c["values"] for c in result.created if c["type"] == "oci_ons_subscription"]
    assert subscription["protocol"] == "EMAIL" and subscription["endpoint"] == "secops@example.com"
    assert config["REPORT_TOPIC_OCID"] == topic["values"]["id"]
    policy = {c["values"]["name"]: c for c in result.created if c["type"] == "oci_identity_policy"}[
        "oci-forwarder-reporter-policy"
    ]
    assert policy["region"] == "us-ashburn-1"
    statements = policy["values"]["statements"]
    dg = "oci-forwarder-reporter-dg"
    for wanted in (
        f"Allow dynamic-group {dg} to read audit-events in tenancy",
        f"Allow dynamic-group {dg} to read log-content in tenancy",
        f"Allow dynamic-group {dg} to inspect tenancies in tenancy",
    ):
        assert wanted in statements
    manage = [s for s in statements if " manage " in s]
    assert manage == [s for s in manage if "target.bucket.name = 'oci-forwarder-reports'" in s] and len(manage) == 1
    (ons,) = [s for s in statements if "ons-topics" in s]
    assert " use ons-topics " in ons and "ONS_TOPIC_PUBLISH" in ons and "ONS_TOPIC_READ" in ons
    assert not [s for s in statements if "secret" in s or "all-resources" in s]
    invoke = [s for s in statements if "resourceschedule" in s]
    assert len(invoke) == 2 and all(schedule["id"] in s for s in invoke)


def test_read_links_and_a_retention_rule_add_exactly_what_they_need(terraform):
    result = terraform(
        "apply",
        {
            **REPORT,
            "report_link_hours": 72,
            "report_retention_days": 400,
            "report_topic_ocid": "ocid1.onstopic.oc1.iad.aaaaexisting",
            "report_week_schedule": "0 3-6 * * 1",
            "report_month_schedule": "0 3-8 1 * *",
        },
        home_region="us-ashburn-1",
    )
    assert result.returncode == 0, result.output
    schedules = {
        c["values"]["display_name"]: c["values"]
        for c in result.created
        if c["type"] == "oci_resource_scheduler_schedule"
    }
    bodies = {
        name: (s["recurrence_details"], json.loads(s["resources"][0]["parameters"][0]["value"][0]))
        for name, s in schedules.items()
    }
    assert bodies == {
        "oci-forwarder-report": ("30 1 * * *", {"task": "report"}),
        "oci-forwarder-report-week": ("0 3-6 * * 1", {"task": "report", "period": "week"}),
        "oci-forwarder-report-month": ("0 3-8 1 * *", {"task": "report", "period": "month"}),
    }
    (bucket,) = [
        c["values"]
        for c in result.created
        if c["type"] == "oci_objectstorage_bucket" and c["values"]["name"] == "oci-forwarder-reports"
    ]
    (rule,) = bucket["retention_rules"]
    assert bucket["versioning"] == "Disabled" and rule["duration"][0] == {"time_amount": "400", "time_unit": "DAYS"}
    assert not [c for c in result.created if c["type"].startswith("oci_ons_")]  # the given topic is used
    reporter = [
        c["values"]["config"]
        for c in result.created
        if c["type"] == "oci_functions_function" and c["values"]["display_name"] == "oci-forwarder-reporter"
    ][0]
    assert (
        reporter["REPORT_LINK_HOURS"] == "72" and reporter["REPORT_TOPIC_OCID"] == "ocid1.onstopic.oc1.iad.aaaaexisting"
    )
    statements = [
        c
        for c in result.created
        if c["type"] == "oci_identity_policy" and c["values"]["name"] == "oci-forwarder-reporter-policy"
    ][0]["values"]["statements"]
    (par,) = [s for s in statements if "PAR_MANAGE" in s]
    assert "manage buckets" in par and "target.bucket.name = 'oci-forwarder-reports'" in par
    invoke = [s for s in statements if "resourceschedule" in s]  # each schedule may invoke the reporter, no more
    assert len(invoke) == 6 and all(sum(s["id"] in line for s in schedules.values()) == 1 for line in invoke)
    off = terraform(
        "apply", {**EXAMPLE, "home_region": "us-ashburn-1", "report_enabled": False}, home_region="us-ashburn-1"
    )
    assert off.returncode == 0 and not [c for c in off.created if "reporter" in json.dumps(c["values"])]


def test_other_tenancies_get_endorse_here_and_admit_statements_there(terraform):
    from forwarder.collect.tenancies import parse

    partner, acquired = "ocid1.tenancy.oc1..aaaaaaaapartner", "ocid1.tenancy.oc1..aaaaaaaaacquired"
    secret = "ocid1.vaultsecret.oc1.eu-frankfurt-1.aaaaaaaakey"
    tenancies = [
        {"name": "own"},
        {"name": "partner-prod", "tenancy_ocid": partner, "regions": ["eu-frankfurt-1"]},
        {
            "name": "acquired",
            "tenancy_ocid": acquired,
            "user_ocid": "ocid1.user.oc1..aaaaaaaauser",
            "fingerprint": "11:22:33:44:55:66:77:88:99:00:aa:bb:cc:dd:ee:ff",
            "key_secret_ocid": secret,
            "region": "eu-frankfurt-1",
        },
    ]
    variables = {**COLLECT, **{k: v for k, v in REPORT.items() if k.startswith("report_")}}
    result = terraform("apply", {**variables, "collect_tenancies": tenancies}, home_region="us-ashburn-1")
    assert result.returncode == 0, result.output
    functions = {c["values"]["display_name"]: c for c in result.created if c["type"] == "oci_functions_function"}
    for name in ("oci-forwarder-collector", "oci-forwarder-reporter"):
        listed = parse(functions[name]["values"]["config"]["COLLECT_TENANCIES"])  # the code's own check passes
        assert [(t.name, t.tenancy, t.key_secret) for t in listed] == [
            ("own", None, None),
            ("partner-prod", partner, None),
            ("acquired", acquired, secret),
        ]
    policies = {
        c["values"]["name"]: c["values"]["statements"] for c in result.created if c["type"] == "oci_identity_policy"
    }
    for role, verbs in (
        ("collector", ("read audit-events", "read cloud-guard-family")),
        ("reporter", ("read log-content",)),
    ):
        statements, dg = policies[f"oci-forwarder-{role}-policy"], f"oci-forwarder-{role}-dg"
        assert f"Define tenancy partner_prod as {partner}" in statements
        for verb in ("inspect compartments", *verbs):
            assert f"Endorse dynamic-group {dg} to {verb} in tenancy partner_prod" in statements
        assert not [s for s in statements if acquired in s or "any-tenancy" in s]  # an API key crosses nothing
        assert f"Allow dynamic-group {dg} to read secret-bundles in tenancy where target.secret.id = '{secret}'" in (
            statements
        )
    groups = {
        c["values"]["name"]: c["values"]["id"] for c in result.created if c["type"] == "oci_identity_dynamic_group"
    }
    admit = result.outputs["cross_tenancy_admit_statements"]
    assert set(admit) == {"partner-prod"}
    statements = admit["partner-prod"]
    assert statements[0] == f"Define tenancy ForwarderTenancy as {EXAMPLE['tenancy_ocid']}"
    assert f"Define dynamic-group ForwarderCollector as {groups['oci-forwarder-collector-dg']}" in statements
    assert f"Define dynamic-group ForwarderReporter as {groups['oci-forwarder-reporter-dg']}" in statements
    assert (
        "Admit dynamic-group ForwarderCollector of tenancy ForwarderTenancy to read audit-events in tenancy"
        in statements
    )
    # the other side, applied with that tenancy's provider: one policy in its root
    other = terraform(
        "apply",
        {"tenancy_ocid": partner, "forwarder_tenancy_ocid": EXAMPLE["tenancy_ocid"], "statements": statements},
        home_region="us-ashburn-1",
        module="modules/cross-tenancy-admit",
    )
    assert other.returncode == 0, other.output
    policy = other.one("oci_identity_policy")["values"]
    assert policy["compartment_id"] == partner and policy["statements"] == statements
    # the collector alone (no reporter): the reporter's Define and Admit are left out, not an error
    alone = terraform("apply", {**COLLECT, "collect_tenancies": tenancies[:2]}, home_region="us-ashburn-1")
    assert alone.returncode == 0, alone.output
    statements = alone.outputs["cross_tenancy_admit_statements"]["partner-prod"]
    assert any("ForwarderCollector" in s for s in statements) and not any("ForwarderReporter" in s for s in statements)
    refused = terraform(
        "plan",
        {**COLLECT, "collect_tenancies": [{"name": "a", "tenancy_ocid": partner, "user_ocid": "ocid1.user.oc1..u"}]},
        home_region="us-ashburn-1",
    )
    assert refused.returncode != 0 and "an API key needs" in refused.output


def test_a_stream_collector_reads_its_streams_only_every_minute(terraform):
    stream = "ocid1.stream.oc1.iad.aaaaaaaasecurity"
    result = terraform(
        "apply",
        {**COLLECT, "collect_sources": ["stream"], "collect_streams": [stream], "collect_stream_group": "siem"},
        home_region="us-ashburn-1",
    )
    assert result.returncode == 0, result.output
    functions = {
        c["values"]["display_name"]: c["values"] for c in result.created if c["type"] == "oci_functions_function"
    }
    config = functions["oci-forwarder-collector"]["config"]
    assert (config["COLLECT_SOURCES"], config["COLLECT_STREAMS"], config["COLLECT_STREAM_GROUP"]) == (
        "stream",
        stream,
        "siem",
    )
    (schedule,) = [c["values"] for c in result.created if c["type"] == "oci_resource_scheduler_schedule"]
    assert schedule["recurrence_details"] == "* * * * *"
    policy = next(c for c in result.created if c["values"].get("name") == "oci-forwarder-collector-policy")
    statements = policy["values"]["statements"]
    dg = "oci-forwarder-collector-dg"
    assert f"Allow dynamic-group {dg} to use stream-pull in tenancy where target.stream.id = '{stream}'" in statements
    # it reads no other source; enrichment names what the stream carries (a problem's target among them)
    assert not [s for s in statements if "audit-events" in s or "cloud-guard-family" in s or "log-content" in s]
    assert f"Allow dynamic-group {dg} to read cloud-guard-targets in tenancy" in statements
    assert f"Allow dynamic-group {dg} to inspect users in tenancy" in statements
    refused = terraform("plan", {**COLLECT, "collect_streams": ["my-stream"]}, home_region="us-ashburn-1")
    assert refused.returncode != 0 and "collect_streams must hold stream OCIDs" in refused.output


def test_enrichment_adds_its_inspect_statements_only_while_on(terraform):
    def statements(enrich: bool) -> list[str]:
        result = terraform("apply", {**EXAMPLE, "enrich_names": enrich})
        assert result.returncode == 0, result.output
        return policy(result)

    on, off = statements(True), statements(False)
    added = sorted(set(on) - set(off))
    assert [s.split(" to ", 1)[1] for s in added] == [
        "inspect compartments in tenancy",
        "inspect groups in tenancy",
        "inspect tenancies in tenancy",
        "inspect users in tenancy",
        "read cloud-guard-targets in tenancy",
    ]
    assert not set(off) - set(on)


def test_metrics_are_posted_under_one_namespace_and_alarms_query_only_metrics_the_code_posts(terraform):
    from forwarder.metrics import NAMES

    quiet = terraform("apply", {**COLLECT, "report_enabled": True}, home_region="us-ashburn-1")
    assert quiet.returncode == 0, quiet.output
    assert not [c for c in quiet.created if c["type"] == "oci_monitoring_alarm"]  # no addresses, no topic: no alarms
    for function in [c["values"] for c in quiet.created if c["type"] == "oci_functions_function"]:
        config = function["config"]
        assert (config["METRICS_NAMESPACE"], config["METRICS_COMPARTMENT_OCID"]) == (
            "security_forwarder",
            EXAMPLE["compartment_ocid"],
        ), function["display_name"]
    grant = (
        f"to use metrics in compartment id {EXAMPLE['compartment_ocid']} "
        "where target.metrics.namespace = 'security_forwarder'"
    )
    policies = {c["values"]["name"]: c["values"] for c in quiet.created if c["type"] == "oci_identity_policy"}
    for name, dg in (("policy", "fn-dg"), ("collector-policy", "collector-dg"), ("reporter-policy", "reporter-dg")):
        assert f"Allow dynamic-group oci-forwarder-{dg} {grant}" in policies[f"oci-forwarder-{name}"]["statements"]

    loud = terraform(
        "apply", {**COLLECT, "report_enabled": True, "alarm_emails": ["oncall@example.com"]}, home_region="us-ashburn-1"
    )
    assert loud.returncode == 0, loud.output
    alarms = {c["values"]["display_name"]: c["values"] for c in loud.created if c["type"] == "oci_monitoring_alarm"}
    assert set(alarms) == {
        f"oci-forwarder-{name}"
        for name in (
            "dead-letters",
            "failures",
            "tickets-failed",
            "function-errors",
            "function-throttles",
            "collection-lag",
            "report-incomplete",
        )
    }
    topics = {c["values"]["name"]: c["values"]["id"] for c in loud.created if c["type"] == "oci_ons_notification_topic"}
    emails = {c["values"]["endpoint"] for c in loud.created if c["type"] == "oci_ons_subscription"}
    assert "oncall@example.com" in emails
    application = loud.one("oci_functions_application")["values"]["id"]
    for alarm in alarms.values():
        assert alarm["destinations"] == [topics["oci-forwarder-alarms"]] and alarm["is_enabled"]
        metric = re.match(r"([A-Za-z_]+)\[\d+[mh]\]", alarm["query"]).group(1)
        if alarm["namespace"] == "oci_faas":
            assert metric == "FunctionResponseCount" and f'applicationId = "{application}"' in alarm["query"]
        else:
            assert alarm["namespace"] == "security_forwarder" and metric in NAMES, alarm["query"]
    assert alarms["oci-forwarder-collection-lag"]["query"] == "collection_lag_seconds[15m].max() > 3600"
    assert "replay-dead-letter" in alarms["oci-forwarder-dead-letters"]["body"]

    off = terraform("apply", {**EXAMPLE, "metrics_enabled": False, "alarm_emails": ["oncall@example.com"]})
    assert off.returncode == 0, off.output
    assert not [c for c in off.created if c["type"] == "oci_monitoring_alarm"]
    assert "METRICS_NAMESPACE" not in off.one("oci_functions_function")["values"]["config"]
    assert not [s for s in policy(off) if " use metrics " in s]


def test_dead_letters_can_be_read_by_operators_or_the_replay_task_only_when_asked(terraform):
    bucket = "target.bucket.name = 'oci-forwarder-dead-letter'"
    plain = policy(terraform("apply", EXAMPLE))
    assert [s for s in plain if bucket in s and " manage objects " in s] == [
        s for s in plain if bucket in s and "OBJECT_CREATE" in s
    ]  # the function may only create dead letters
    asked = policy(
        terraform("apply", {**EXAMPLE, "dead_letter_operators_group": "SecOps", "dead_letter_replay_by_function": True})
    )
    compartment = EXAMPLE["compartment_ocid"]
    assert f"Allow group SecOps to manage objects in compartment id {compartment} where {bucket}" in asked
    function = "Allow dynamic-group oci-forwarder-fn-dg"
    assert f"{function} to manage objects in compartment id {compartment} where {bucket}" in asked
    assert not [s for s in plain + asked if "cloudevents-rules" in s]  # doctor's reads: only when asked
    reads = policy(terraform("apply", {**EXAMPLE, "doctor_reads_deployment": True}))
    assert f"{function} to read cloudevents-rules in tenancy" in reads
    assert f"{function} to read fn-function in compartment id {compartment}" in reads
    assert f"{function} to read serviceconnectors in compartment id {compartment}" in reads


def test_the_resource_manager_form_has_every_variable_once_with_its_type(tmp_path):
    import yaml

    schema = yaml.safe_load((TF / "schema.yaml").read_text())
    declared = variables(stack=True)
    assert set(schema["variables"]) == set(declared)
    grouped = [name for group in schema["variableGroups"] for name in group["variables"]]
    assert sorted(grouped) == sorted(declared)  # each variable in exactly one group
    kinds = {"string": "string", "number": "number", "bool": "boolean", "${list(string)}": "array"}
    for name, body in declared.items():
        field = schema["variables"][name]
        assert field.get("required", False) == ("default" not in body), name
        if body.get("sensitive"):
            assert field["type"] == "password", name
        elif field.get("visible") is not False and field["type"] != "enum" and not field["type"].startswith("oci:"):
            assert field["type"] == kinds[body["type"]], name
        if field["type"] == "enum":
            assert str(body["default"]).upper() in [str(o).upper() for o in field["enum"]], name
        for reference in re.findall(r"\$\{(\w+)\}", json.dumps(field.get("dependsOn", {}))):
            assert reference in declared, (name, reference)
    hidden = {n for g in schema["variableGroups"] if g.get("visible") is False for n in g["variables"]}
    assert {"tenancy_ocid", "region", "collect_tenancies", "collect_queries"} <= hidden  # filled in, or structured
    assert not {n for n in hidden if "default" not in declared[n]} - {"tenancy_ocid", "region"}  # none left unset

    done = subprocess.run(
        [sys.executable, str(ROOT / "image" / "stack.py"), str(tmp_path / "stack.zip")], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    import zipfile

    names = set(zipfile.ZipFile(tmp_path / "stack.zip").namelist())
    expected = {p.name for p in TF.glob("*.tf")} | {"schema.yaml", "event-types.json", "README.md", "providers.tf"}
    assert names == expected  # the module's root at the zip's root; no examples, state or variable files
