"""Settings are validated once; a bad value names its key and what it expected."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from forwarder.config import KEY_NAMES, KEYS, ConfigError, load_settings

ROOT = Path(__file__).resolve().parents[1]


def test_no_keys_means_no_sink():
    settings = load_settings({})
    assert settings.syslog is None and settings.http is None and settings.timeout == 10.0


def test_full_syslog_settings(tmp_path):
    ca = tmp_path / "ca.pem"
    ca.write_text("x")
    s = load_settings(
        {
            "SIEM_SYSLOG_URL": "tls://siem.example.com:6514",
            "SIEM_SYSLOG_FORMAT": "RFC3164",
            "SIEM_SYSLOG_PAYLOAD": "leef",
            "SIEM_SYSLOG_FACILITY": "authpriv",
            "SIEM_SYSLOG_CA_CERT": str(ca),
        }
    ).syslog
    assert (s.transport, s.host, s.port, s.format, s.payload, s.facility) == (
        "tls", "siem.example.com", 6514, "rfc3164", "leef", 10)  # fmt: skip
    assert s.udp_max_bytes == 1024 and s.ca_cert == str(ca)


@pytest.mark.parametrize(
    "env, message",
    [
        ({"SIEM_SYSLOG_URL": "syslog.example.com:514"}, r"SIEM_SYSLOG_URL: expected udp://host:port"),
        ({"SIEM_SYSLOG_URL": "tcp://host"}, r"SIEM_SYSLOG_URL: expected"),
        ({"SIEM_SYSLOG_URL": "tcp://host:99999"}, r"SIEM_SYSLOG_URL: expected"),
        (
            {"SIEM_SYSLOG_URL": "tcp://h:1", "SIEM_SYSLOG_FORMAT": "rfc9999"},
            r"SIEM_SYSLOG_FORMAT: expected one of rfc5424, rfc3164",
        ),
        (
            {"SIEM_SYSLOG_URL": "tcp://h:1", "SIEM_SYSLOG_PAYLOAD": "xml"},
            r"SIEM_SYSLOG_PAYLOAD: expected one of json, cef, leef",
        ),
        (
            {"SIEM_SYSLOG_URL": "tcp://h:1", "SIEM_SYSLOG_FACILITY": "24"},
            r"SIEM_SYSLOG_FACILITY: expected a facility name",
        ),
        (
            {"SIEM_SYSLOG_URL": "tls://h:1", "SIEM_SYSLOG_CA_CERT": "/nope.pem"},
            r"SIEM_SYSLOG_CA_CERT: expected PEM text or the path",
        ),
        (
            {"SIEM_SYSLOG_URL": "tcp://h:1", "SIEM_SYSLOG_CA_CERT": "-----BEGIN x"},
            r"SIEM_SYSLOG_CA_CERT: only used with a tls://",
        ),
        (
            {"SIEM_SYSLOG_URL": "udp://h:1", "SIEM_SYSLOG_UDP_MAX_BYTES": "100"},
            r"SIEM_SYSLOG_UDP_MAX_BYTES: expected a value from 480",
        ),
        (
            {"SIEM_SYSLOG_URL": "tls://h:1", "SIEM_SYSLOG_CLIENT_CERT": "-----BEGIN x"},
            r"SIEM_SYSLOG_CLIENT_CERT: needs",
        ),
        ({"SIEM_HTTP_URL": "ftp://x/"}, r"SIEM_HTTP_URL: expected a URL http://host or https://host"),
        (
            {"SIEM_HTTP_URL": "https://x/", "SIEM_HTTP_FORMAT": "hec"},
            r"SIEM_HTTP_FORMAT: expected one of json, splunk-hec",
        ),
        (
            {"SIEM_HTTP_URL": "https://x/", "SIEM_HTTP_FORMAT": "splunk-hec"},
            r"SIEM_HTTP_TOKEN_SECRET_OCID: Splunk HEC needs a token",
        ),
        (
            {"SIEM_HTTP_URL": "https://x/", "SIEM_HTTP_TOKEN": "t", "SIEM_HTTP_TOKEN_SECRET_OCID": "o"},
            r"SIEM_HTTP_TOKEN: set either",
        ),
        (
            {"SIEM_HTTP_URL": "https://x/", "SIEM_HTTP_BATCH_SIZE": "lots"},
            r"SIEM_HTTP_BATCH_SIZE: expected a whole number",
        ),
        ({"SIEM_TIMEOUT_SECONDS": "0"}, r"SIEM_TIMEOUT_SECONDS: expected a value from 0.1 to 300"),
        ({"OCI_SECRETS_ENDPOINT": "secrets"}, r"OCI_SECRETS_ENDPOINT: expected a URL"),
        ({"TICKET_SYSTEM": "opsgenie"}, r"TICKET_SYSTEM: expected one of servicenow, jira, pagerduty, none"),
        ({"TICKET_SYSTEM": "servicenow"}, r"TICKET_URL: expected the servicenow URL"),
        ({"TICKET_SYSTEM": "pagerduty", "TICKET_MIN_RISK": "severe"}, r"TICKET_MIN_RISK: expected one of CRITICAL"),
        ({"TICKET_SYSTEM": "pagerduty"}, r"TICKET_SECRET_OCID: pagerduty needs credentials: .* TICKET_ROUTING_KEY"),
        (
            {"TICKET_SYSTEM": "jira", "TICKET_URL": "https://x", "TICKET_USERNAME": "u"},
            r"needs credentials: .*TICKET_PASSWORD",
        ),
        (
            {"TICKET_SYSTEM": "jira", "TICKET_URL": "https://x", "TICKET_SECRET_OCID": "o"},
            r"TICKET_JIRA_PROJECT: expected",
        ),
        (
            {"TICKET_SYSTEM": "pagerduty", "TICKET_SECRET_OCID": "o", "TICKET_ROUTING_KEY": "k"},
            r"TICKET_SECRET_OCID: set either",
        ),
    ],
)
def test_bad_values_name_the_key(env, message):
    with pytest.raises(ConfigError, match=message):
        load_settings(env)


def test_ticket_settings_defaults():
    t = load_settings({"TICKET_SYSTEM": "PagerDuty", "TICKET_ROUTING_KEY": "k", "TICKET_MIN_RISK": "high"}).tickets
    assert (t.system, t.url, t.min_risk) == ("pagerduty", "https://events.pagerduty.com/v2/enqueue", "HIGH")
    assert "'k'" not in repr(t)
    assert load_settings({"TICKET_SYSTEM": "none"}).tickets is None


def test_secret_values_are_not_in_errors_or_repr():
    with pytest.raises(ConfigError) as caught:
        load_settings({"SIEM_HTTP_URL": "https://x/", "SIEM_HTTP_TOKEN": "s3cr3t", "SIEM_HTTP_TOKEN_SECRET_OCID": "o"})
    assert "s3cr3t" not in str(caught.value)
    settings = load_settings({"SIEM_HTTP_URL": "https://x/", "SIEM_HTTP_TOKEN": "s3cr3t"})
    assert "s3cr3t" not in repr(settings)


def test_plaintext_token_is_warned(caplog):
    load_settings({"SIEM_HTTP_URL": "https://x/", "SIEM_HTTP_TOKEN": "s3cr3t"})
    assert "SIEM_HTTP_TOKEN is set in plaintext" in caplog.text and "s3cr3t" not in caplog.text


def test_bad_config_fails_the_invocation_naming_the_key(function_server):
    fn = function_server({"SIEM_SYSLOG_URL": "tcp://nowhere"})
    result = fn.invoke(b"{}")
    assert result.status == 502
    assert "SIEM_SYSLOG_URL: expected" in result.summary["errors"][0]


def test_readme_documents_every_key_and_code_reads_only_documented_keys():
    readme = (ROOT / "README.md").read_text()
    table = set(re.findall(r"^\| `([A-Z0-9_]+)` \|", readme, re.M))
    assert table == KEY_NAMES
    read = set()
    for path in (ROOT / "forwarder").rglob("*.py"):
        names = r'"((?:SIEM|TICKET|DEAD_LETTER|OCI_SECRETS|OCI_OBJECTSTORAGE|OCI_RESOURCE_PRINCIPAL_REGION)[A-Z0-9_]*)"'
        read |= set(re.findall(names, path.read_text()))
    assert read <= KEY_NAMES, read - KEY_NAMES
    assert [k.name for k in KEYS] == sorted(KEY_NAMES, key=[k.name for k in KEYS].index)
