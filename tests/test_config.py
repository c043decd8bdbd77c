"""Settings are validated once, up front: a bad or unknown key names itself and what it expected."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from forwarder.handler import handle
from forwarder.settings import KEY_NAMES, KEYS, ConfigError, load_settings
from forwarder.settings.keys import markdown_table
from tests.conftest import sample_bytes

ROOT = Path(__file__).resolve().parents[1]
SECRET = "ocid1.vaultsecret.oc1.iad.amaaaaaatestsecret"


def test_no_keys_means_no_sink():
    settings = load_settings({})
    assert settings.syslog is None and settings.http is None and settings.tickets is None
    assert settings.timeout == 10.0 and settings.dead_letter is None


def test_full_syslog_settings(tmp_path):
    s = load_settings(
        {
            "SIEM_SYSLOG_URL": "tls://siem.example.com:6514",
            "SIEM_SYSLOG_FORMAT": "RFC3164",
            "SIEM_SYSLOG_PAYLOAD": "leef",
            "SIEM_SYSLOG_FACILITY": "authpriv",
            "SIEM_SYSLOG_CA_CERT": "/etc/ssl/ca.pem",
        }
    ).syslog
    assert (s.transport, s.host, s.port, s.format, s.payload, s.facility) == (
        "tls",
        "siem.example.com",
        6514,
        "rfc3164",
        "leef",
        10,
    )
    assert s.udp_max_bytes == 1024 and s.ca_cert == "/etc/ssl/ca.pem"


def tcp(**keys: str) -> dict[str, str]:
    return {"SIEM_SYSLOG_URL": "tcp://h:1", **keys}


def https(**keys: str) -> dict[str, str]:
    return {"SIEM_HTTP_URL": "https://x/", **keys}


def jira(**keys: str) -> dict[str, str]:
    return {"TICKET_SYSTEM": "jira", "TICKET_URL": "https://x", **keys}


@pytest.mark.parametrize(
    "env, message",
    [
        ({"SIEM_SYSLOG_URL": "syslog.example.com:514"}, r"SIEM_SYSLOG_URL: expected udp://host:port"),
        ({"SIEM_SYSLOG_URL": "tcp://host"}, r"SIEM_SYSLOG_URL: expected"),
        ({"SIEM_SYSLOG_URL": "tcp://host:99999"}, r"SIEM_SYSLOG_URL: expected .*port from 1 to 65535"),
        (tcp(SIEM_SYSLOG_FORMAT="rfc9999"), r"SIEM_SYSLOG_FORMAT: expected one of rfc5424, rfc3164"),
        (tcp(SIEM_SYSLOG_PAYLOAD="xml"), r"SIEM_SYSLOG_PAYLOAD: expected one of json, cef, leef"),
        (tcp(SIEM_SYSLOG_FACILITY="24"), r"SIEM_SYSLOG_FACILITY: expected a facility name"),
        (tcp(SIEM_SYSLOG_CA_CERT="-----BEGIN x"), r"SIEM_SYSLOG_CA_CERT: only used with a tls://"),
        (tcp(SIEM_SYSLOG_UDP_MAX_BYTES="100"), r"SIEM_SYSLOG_UDP_MAX_BYTES: expected a whole number from 480"),
        (
            {"SIEM_SYSLOG_URL": "tls://h:1", "SIEM_SYSLOG_CLIENT_CERT": "-----BEGIN x"},
            r"SIEM_SYSLOG_CLIENT_CERT: needs",
        ),
        ({"SIEM_HTTP_URL": "ftp://x/"}, r"SIEM_HTTP_URL: expected a URL http://host or https://host"),
        (https(SIEM_HTTP_FORMAT="hec"), r"SIEM_HTTP_FORMAT: expected one of json, splunk-hec"),
        (https(SIEM_HTTP_FORMAT="splunk-hec"), r"SIEM_HTTP_TOKEN_SECRET_OCID: Splunk HEC needs a token"),
        (https(SIEM_HTTP_TOKEN="t", SIEM_HTTP_TOKEN_SECRET_OCID=SECRET), r"SIEM_HTTP_TOKEN: set either"),
        (https(SIEM_HTTP_TOKEN_SECRET_OCID="my-token"), r"SIEM_HTTP_TOKEN_SECRET_OCID: expected an OCID .*vaultsecret"),
        (https(SIEM_HTTP_BATCH_SIZE="lots"), r"SIEM_HTTP_BATCH_SIZE: expected a whole number"),
        ({"SIEM_TIMEOUT_SECONDS": "0"}, r"SIEM_TIMEOUT_SECONDS: expected a number from 0.1 to 300"),
        ({"SIEM_TLS_INSECURE_SKIP_VERIFY": "yes"}, r"SIEM_TLS_INSECURE_SKIP_VERIFY: expected one of false, true"),
        ({"OCI_SECRETS_ENDPOINT": "secrets"}, r"OCI_SECRETS_ENDPOINT: expected a URL"),
        (
            {"TICKET_SYSTEM": "opsgenie"},
            r"TICKET_SYSTEM: expected one of servicenow, jira, pagerduty, oracle-service-cloud, none",
        ),
        ({"TICKET_SYSTEM": "servicenow"}, r"TICKET_URL: expected the servicenow URL"),
        ({"TICKET_SYSTEM": "pagerduty", "TICKET_MIN_RISK": "severe"}, r"TICKET_MIN_RISK: expected one of CRITICAL"),
        ({"TICKET_SYSTEM": "pagerduty"}, r"TICKET_SECRET_OCID: pagerduty needs credentials: .* TICKET_ROUTING_KEY"),
        (jira(TICKET_USERNAME="u"), r"needs credentials: .*TICKET_PASSWORD"),
        (jira(TICKET_SECRET_OCID=SECRET), r"TICKET_JIRA_PROJECT: expected"),
        ({"TICKET_SYSTEM": "pagerduty", "TICKET_SECRET_OCID": SECRET, "TICKET_ROUTING_KEY": "k"}, r"set either"),
    ],
)
def test_bad_values_name_the_key(env, message):
    with pytest.raises(ConfigError, match=message):
        load_settings(env)


@pytest.mark.parametrize(
    "key, value",
    [
        ("SIEM_HTTP_BATCH_SIZE", "١٠٠"),  # Arabic-Indic digits: int() reads them as 100
        ("SIEM_SYSLOG_FACILITY", "²"),  # str.isdigit() is true, int() raises ValueError
        ("SIEM_TIMEOUT_SECONDS", "１０"),  # full-width digits: float() reads them as 10.0
        ("SIEM_SYSLOG_UDP_MAX_BYTES", "2٠48"),
    ],
)
def test_numbers_in_other_scripts_are_refused_by_key(key, value):
    env = {"SIEM_SYSLOG_URL": "udp://h:1", "SIEM_HTTP_URL": "https://x/", key: value}
    with pytest.raises(ConfigError, match=rf"^{key}: expected .*ASCII digits; got '{value}'$"):
        load_settings(env)


@pytest.mark.parametrize(
    "key, closest",
    [
        ("SIEM_SYSLOG_PAYLOD", "SIEM_SYSLOG_PAYLOAD"),
        ("TICKET_MIN_RISK_LEVEL", "TICKET_MIN_RISK"),
        ("DEAD_LETTER_BUKET", "DEAD_LETTER_BUCKET"),
        ("SIEM_HTTPS_URL", "SIEM_HTTP_URL"),
    ],
)
def test_a_misspelled_key_is_an_error_naming_the_closest_key(key, closest):
    with pytest.raises(ConfigError, match=rf"^{key}: not a configuration key; did you mean {closest}\?$"):
        load_settings({"SIEM_SYSLOG_URL": "tcp://h:1", key: "cef"})


def test_a_misspelled_key_fails_the_invocation_instead_of_falling_back_to_the_log(function_server):
    fn = function_server({"SIEM_SYSLOG_PAYLOD": "cef", "SIEM_SYSLOG_URL": "tcp://127.0.0.1:9"})
    result = fn.invoke(sample_bytes("cloudguard-problemdetected-bucket-public-critical.json"))
    assert result.status == 502 and result.summary["delivered"] == {}
    assert result.summary["errors"] == [
        "configuration: SIEM_SYSLOG_PAYLOD: not a configuration key; did you mean SIEM_SYSLOG_PAYLOAD?"
    ]


def test_keys_of_other_software_are_left_alone():
    settings = load_settings({"OCI_RESOURCE_PRINCIPAL_VERSION": "2.2", "FN_FORMAT": "http-stream", "SIEMENS": "x"})
    assert settings.syslog is None


def test_a_key_misspelled_outside_the_prefixes_is_warned_about_once_by_the_function(monkeypatch, caplog):
    from forwarder import handler
    from forwarder.settings import near_misses

    env = {"SEIM_SYSLOG_URL": "tcp://x:1", "TIKCET_SYSTEM": "jira", "REPORTS_BUCKET": "b", "COLECT_SOURCES": "a"}
    other = {"FN_FORMAT": "http-stream", "OCI_RESOURCE_PRINCIPAL_VERSION": "2.2", "SIEMENS": "x", "PATH": "/bin"}
    assert near_misses({**env, **other}) == [
        "COLECT_SOURCES is not a configuration key and is ignored; did you mean COLLECT_SOURCES?",
        "REPORTS_BUCKET is not a configuration key and is ignored; did you mean REPORT_BUCKET?",
        "SEIM_SYSLOG_URL is not a configuration key and is ignored; did you mean SIEM_SYSLOG_URL?",
        "TIKCET_SYSTEM is not a configuration key and is ignored; did you mean TICKET_SYSTEM?",
    ]
    monkeypatch.setenv("SEIM_SYSLOG_URL", "tcp://127.0.0.1:5514")
    handler.reset()
    body = sample_bytes("cloudguard-problemdetected-bucket-public-critical.json")
    for _ in range(2):
        status, summary = handle(body)
        assert status == 200 and summary["delivered"] == {"log": 1}  # records still go to the log, as configured
    warned = [r.getMessage() for r in caplog.records if "SEIM_SYSLOG_URL" in r.getMessage()]
    assert warned == [
        "configuration: SEIM_SYSLOG_URL is not a configuration key and is ignored; did you mean SIEM_SYSLOG_URL?"
    ]
    handler.reset()


@pytest.mark.parametrize(
    "key, transport",
    [("SIEM_SYSLOG_CA_CERT", "tls"), ("SIEM_HTTP_CA_CERT", "https"), ("DETECTION_STATE_CA_CERT", "rediss")],
)
def test_a_ca_bundle_that_is_not_a_certificate_names_its_key(key, transport, tmp_path, monkeypatch):
    not_a_cert = tmp_path / "ca.pem"
    not_a_cert.write_text("this is the CA's fingerprint, not the certificate\n")
    url_key = {"tls": "SIEM_SYSLOG_URL", "https": "SIEM_HTTP_URL", "rediss": "DETECTION_STATE_URL"}[transport]
    monkeypatch.setenv(url_key, f"{transport}://siem.example.com:6514")
    garbled = "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n"
    cases = [
        (str(not_a_cert), "not a readable PEM certificate bundle"),
        (str(tmp_path / "missing.pem"), "No such file"),
        (garbled, "not a readable PEM"),
    ]
    for value, why in cases:
        from forwarder import handler

        handler.reset()
        monkeypatch.setenv(key, value)
        status, summary = handle(sample_bytes("cloudguard-problemdetected-bucket-public-critical.json"))
        assert status == 502
        (error,) = summary["errors"]
        assert error.startswith(f"configuration: {key}: ") and why in error, error


def test_secret_values_are_not_in_errors_or_repr():
    with pytest.raises(ConfigError) as caught:
        load_settings(
            {"SIEM_HTTP_URL": "https://x/", "SIEM_HTTP_TOKEN": "s3cr3t", "SIEM_HTTP_TOKEN_SECRET_OCID": SECRET}
        )
    assert "s3cr3t" not in str(caught.value)
    settings = load_settings({"SIEM_HTTP_URL": "https://x/", "SIEM_HTTP_TOKEN": "s3cr3t"})
    assert "s3cr3t" not in repr(settings)


def test_plaintext_token_is_warned(caplog):
    load_settings({"SIEM_HTTP_URL": "https://x/", "SIEM_HTTP_TOKEN": "s3cr3t"})
    assert "SIEM_HTTP_TOKEN is set in plaintext" in caplog.text and "s3cr3t" not in caplog.text


def test_ticket_settings_defaults():
    t = load_settings({"TICKET_SYSTEM": "PagerDuty", "TICKET_ROUTING_KEY": "k", "TICKET_MIN_RISK": "high"}).tickets
    assert (t.system, t.url, t.min_risk) == ("pagerduty", "https://events.pagerduty.com/v2/enqueue", "HIGH")
    assert "'k'" not in repr(t)
    assert load_settings({"TICKET_SYSTEM": "none"}).tickets is None


def test_bad_config_fails_the_invocation_naming_the_key(function_server):
    fn = function_server({"SIEM_SYSLOG_URL": "tcp://nowhere"})
    result = fn.invoke(b"{}")
    assert result.status == 502
    assert "SIEM_SYSLOG_URL: expected" in result.summary["errors"][0]


def test_every_documented_example_parses():
    for key in KEYS:
        key.parse(key.example)  # raises values.Invalid naming what was expected


def test_readme_configuration_table_is_the_generated_one():
    page = (ROOT / "docs" / "configuration.md").read_text()
    assert markdown_table() in page, "docs/configuration.md: regenerate the table with `python -m forwarder.settings`"
    assert set(re.findall(r"^\| `([A-Z0-9_]+)` \|", page, re.M)) == KEY_NAMES


def test_help_lists_every_key_with_its_default():
    out = subprocess.run([sys.executable, "-m", "forwarder", "--help"], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0
    listed = dict(re.findall(r"^  ([A-Z0-9_]+)\s+default (.+)$", out.stdout, re.M))
    assert listed == {key.name: key.default_text for key in KEYS}


def test_code_reads_only_keys_in_the_table():
    names = (
        r'"((?:SIEM|TICKET|DEAD_LETTER|OCI_SECRETS|OCI_OBJECTSTORAGE|OCI_RESOURCE_PRINCIPAL_REGION)[A-Z0-9_]*[A-Z0-9])"'
    )
    read = set()
    for path in (ROOT / "forwarder").rglob("*.py"):
        read |= set(re.findall(names, path.read_text()))
    assert read and read <= KEY_NAMES, read - KEY_NAMES


@pytest.mark.parametrize(
    "env, message",
    [
        ({"COLLECT_SOURCES": "audit,flows"}, r"^COLLECT_SOURCES: expected a comma-separated list of audit, cloudguard"),
        ({"COLLECT_SOURCES": "logsearch"}, r"^COLLECT_QUERIES: the logsearch source needs at least one named query"),
        ({"COLLECT_QUERIES": '{"a b": "search \\"x\\""}'}, r"^COLLECT_QUERIES: expected query names of letters"),
        ({"COLLECT_QUERIES": '{"flows": "select *"}'}, r"^COLLECT_QUERIES: expected query 'flows': a Logging Search"),
        ({"COLLECT_QUERIES": "[1]"}, r"^COLLECT_QUERIES: expected a JSON object of name -> Logging Search query"),
        ({"COLLECT_REGIONS": "frankfurt"}, r"^COLLECT_REGIONS: expected comma-separated region identifiers"),
        ({"COLLECT_AUDIT_METHOD": "both"}, r"^COLLECT_AUDIT_METHOD: expected one of search, list-events"),
        ({"OCI_AUDIT_ENDPOINT": "https://audit.{realm}.example"}, r"^OCI_AUDIT_ENDPOINT: expected .*\{region\}"),
        ({"COLLECT_LAG_MINUTES": "-1"}, r"^COLLECT_LAG_MINUTES: expected a whole number from 0 to 1440"),
        ({"COLLECT_SOURSES": "audit"}, r"^COLLECT_SOURSES: not a configuration key; did you mean COLLECT_SOURCES\?"),
    ],
)
def test_collection_keys_are_checked_naming_the_key(env, message):
    with pytest.raises(ConfigError, match=message):
        load_settings(env)


def test_collection_settings_parse_with_region_placeholders():
    settings = load_settings(
        {
            "COLLECT_SOURCES": "cloudguard, audit",
            "COLLECT_REGIONS": "eu-frankfurt-1,us-ashburn-1",
            "OCI_AUDIT_ENDPOINT": "http://127.0.0.1:9/{region}/audit",
            "COLLECT_QUERIES": '{"flows": "search \\"{tenancy}/flowlogs\\""}',
        }
    )
    c = settings.collect
    assert c.sources == ("cloudguard", "audit") and c.regions == ("eu-frankfurt-1", "us-ashburn-1")
    assert c.endpoints["audit"] == "http://127.0.0.1:9/{region}/audit" and c.lookback_minutes == 60
    assert c.audit_method == "search" and c.lag_minutes == 15 and c.queries["flows"].startswith("search")


def test_region_patterns_in_endpoints_take_the_principals_region_when_a_client_is_built(tmp_path):
    """{region} means the region of the principal (function, instance or profile): nothing is refused at
    load time, and a laptop's profile gives its region."""
    from forwarder.oci.clients import Clients, for_function
    from tests.support.oci import api_key_principal

    pattern = "http://127.0.0.1:9/{region}/os"
    settings = load_settings(
        {
            "DEAD_LETTER_BUCKET": "dl",
            "OCI_OBJECTSTORAGE_ENDPOINT": pattern,
            "OCI_SECRETS_ENDPOINT": "https://secrets.vaults.{region}.oci.oraclecloud.com",
        }
    )
    assert settings.collect.endpoints["objectstorage"] == pattern  # kept as written, not refused
    key = api_key_principal(tmp_path, region="eu-zurich-1")
    clients = Clients("api_key", {"objectstorage": pattern}, config_file=str(key.config_file))
    assert clients.get("objectstorage").base_client.endpoint == "http://127.0.0.1:9/eu-zurich-1/os"
    assert clients.get("objectstorage", "ap-tokyo-1").base_client.endpoint == "http://127.0.0.1:9/ap-tokyo-1/os"
    function = for_function(
        load_settings(
            {
                "OCI_RESOURCE_PRINCIPAL_REGION": "eu-frankfurt-1",
                "OCI_SECRETS_ENDPOINT": "https://secrets.vaults.{region}.oci.oraclecloud.com",
            }
        )
    )
    assert (
        function.endpoints["secrets"].endswith("{region}.oci.oraclecloud.com")
        and function.fallback_region == "eu-frankfurt-1"
    )


def test_every_bad_key_is_reported_at_once():
    env = {
        "SIEM_SYSLOG_URL": "syslog://nowhere",
        "SIEM_HTTP_BATCH_SIZE": "0",
        "TICKET_SYSTEM": "jira",
        "TICKET_URL": "https://example.atlassian.net",
        "TICKET_USERNAME": "me",
        "TICKET_PASSWORD": "pw",
        "REPORT_TIMEZONE": "Mars/Olympus",
        "SIEM_SYSLOG_PAYLOD": "cef",
    }
    with pytest.raises(ConfigError) as caught:
        load_settings(env)
    lines = str(caught.value).splitlines()
    named = [line.split(":", 1)[0] for line in lines]
    assert sorted(named) == sorted(
        ["SIEM_SYSLOG_PAYLOD", "SIEM_SYSLOG_URL", "SIEM_HTTP_BATCH_SIZE", "TICKET_JIRA_PROJECT", "REPORT_TIMEZONE"]
    ), lines
    assert "did you mean SIEM_SYSLOG_PAYLOAD?" in lines[named.index("SIEM_SYSLOG_PAYLOD")]
