"""Self-metrics: each invocation and each collection run posts its counts to OCI Monitoring (the real SDK
against the ingestion stand-in, signatures checked), names and dimensions as the alarms expect; a metrics
failure never fails delivery and is said in the summary."""

from __future__ import annotations

import pytest

from tests.collect_world import World
from tests.conftest import sample_bytes
from tests.support.monitoring import MonitoringStandIn
from tests.support.oci import resource_principal

COMPARTMENT = "ocid1.compartment.oc1..aaaaaaaametrics"
PROBLEM = "cloudguard-problemdetected-bucket-public-critical.json"


def _config(monitoring: MonitoringStandIn, **extra) -> dict[str, str]:
    return {
        "METRICS_NAMESPACE": "security_forwarder",
        "METRICS_COMPARTMENT_OCID": COMPARTMENT,
        "OCI_MONITORING_ENDPOINT": monitoring.endpoint,
        **extra,
    }


def test_an_invocation_posts_its_counts_in_one_call_through_the_real_fdk(tmp_path, function_server, receiver):
    principal = resource_principal(tmp_path)
    with MonitoringStandIn(principal) as monitoring:
        config = _config(monitoring, SIEM_SYSLOG_URL=receiver.url("tcp"), FN_FN_NAME="acme-forwarder-fn")
        server = function_server(config, principal.env)
        done = server.invoke(sample_bytes(PROBLEM))
        assert done.status == 200 and done.summary["metrics"] == {"posted": 6}, done.text
        assert monitoring.calls == 1 and monitoring.bad == []
        posted = {(m["name"], tuple(sorted(m["dimensions"].items()))): m["value"] for m in monitoring.posted}
        function = ("function", "acme-forwarder-fn")
        assert posted == {
            ("events_received", (function,)): 1.0,
            ("events_delivered", (function, ("sink", "syslog"))): 1.0,
            ("events_dead_lettered", (function, ("sink", "syslog"))): 0.0,  # zeros too: a graph shows 0
            ("events_failed", (function, ("sink", "syslog"))): 0.0,
            ("tickets_failed", (function,)): 0.0,
            ("detections", (function,)): 0.0,
        }
        assert {m["namespace"] for m in monitoring.posted} == {"security_forwarder"}
        assert {m["compartmentId"] for m in monitoring.posted} == {COMPARTMENT}


def test_metrics_that_cannot_be_posted_never_fail_delivery_and_are_said(tmp_path, function_server, receiver):
    principal = resource_principal(tmp_path)
    with MonitoringStandIn(principal) as monitoring:
        monitoring.fail = 404  # the policy lacks `use metrics`
        server = function_server(_config(monitoring, SIEM_SYSLOG_URL=receiver.url("tcp")), principal.env)
        done = server.invoke(sample_bytes(PROBLEM))
        assert done.status == 200 and done.summary["delivered"] == {"syslog": 1}, done.text
        assert done.summary["metrics"]["posted"] == 0
        assert "PostMetricData: HTTP 404 NotAuthorizedOrNotFound" in done.summary["metrics"]["failed"]
        monitoring.fail = 0
        monitoring.refuse = {"detections"}
        done = server.invoke(sample_bytes(PROBLEM))
        assert done.status == 200 and "refused 1 of 6: metric detections refused" in done.summary["metrics"]["failed"]


@pytest.fixture
def world(httpserver, tmp_path, monkeypatch):
    with World(httpserver, tmp_path, monkeypatch, method="list-events") as w:
        yield w


def test_a_collection_run_posts_lag_per_source_and_region_and_its_api_calls(world, monkeypatch):
    from forwarder import handler

    world.fill(per_scope=1)
    with MonitoringStandIn(world.principal) as monitoring:
        for key, value in _config(monitoring, FN_FN_NAME="acme-collector").items():
            monkeypatch.setenv(key, value)
        status, outcome = handler.handle(b'{"task": "collect", "sources": ["audit"]}', 60)
        assert status == 200 and outcome["metrics"] == {"posted": len(monitoring.posted)}, outcome
        assert monitoring.bad == []
        lag = {m["dimensions"]["region"]: m["value"] for m in monitoring.by_name("collection_lag_seconds")}
        assert sorted(lag) == sorted(world.apis.regions)
        # windows end at the last whole minute: the checkpoints now end less than a minute (and the run) ago
        assert all(0 <= seconds < 90 for seconds in lag.values()), lag
        (calls,) = monitoring.by_name("api_calls")
        assert calls["value"] == outcome["apiCalls"] > 0
        (complete,) = monitoring.by_name("collection_complete")
        assert complete["value"] == 1.0
        (delivered,) = monitoring.by_name("events_delivered")
        assert delivered["value"] == 15 and delivered["dimensions"] == {"function": "acme-collector", "sink": "http"}
        dims = {tuple(sorted(m["dimensions"])) for m in monitoring.by_name("collection_lag_seconds")}
        assert dims == {("function", "region", "source", "tenancy")}


def test_the_ingestion_endpoint_follows_the_realm():
    from forwarder.oci.clients import for_metrics
    from forwarder.settings import load_settings

    for region, host in (
        ("eu-frankfurt-1", "https://telemetry-ingestion.{region}.oraclecloud.com"),
        ("us-langley-1", "https://telemetry-ingestion.{region}.oraclegovcloud.com"),
    ):
        env = {"METRICS_NAMESPACE": "fw", "METRICS_COMPARTMENT_OCID": COMPARTMENT}
        env["OCI_RESOURCE_PRINCIPAL_REGION"] = region
        assert for_metrics(load_settings(env)).endpoints["monitoring"] == host


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"METRICS_NAMESPACE": "oci_forwarder"}, "METRICS_NAMESPACE: expected a namespace"),
        ({"METRICS_NAMESPACE": "Forwarder"}, "METRICS_NAMESPACE: expected a namespace"),
        ({"METRICS_NAMESPACE": "fw"}, "METRICS_COMPARTMENT_OCID: expected the compartment"),
        ({"METRICS_NAMESPACE": "fw", "METRICS_COMPARTMENT_OCID": "x"}, "METRICS_COMPARTMENT_OCID: expected a"),
    ],
)
def test_bad_metrics_keys_are_named(env, message):
    from forwarder.config import ConfigError
    from forwarder.settings import load_settings

    with pytest.raises(ConfigError, match=message):
        load_settings(env)


def test_a_collect_run_from_the_cli_posts_the_same_counts_with_its_principal(world, monkeypatch, capsys):
    import json

    from forwarder.cli import main

    world.fill(per_scope=1)
    with MonitoringStandIn(world.principal) as monitoring:
        for key, value in _config(monitoring).items():
            monkeypatch.setenv(key, value)
        assert main(["collect", "--source", "audit", "--auth", "resource_principal"]) == 0
        summary = json.loads([line for line in capsys.readouterr().err.splitlines() if line.startswith("{")][-1])
        assert summary["metrics"] == {"posted": len(monitoring.posted)} and monitoring.bad == []
        lag = monitoring.by_name("collection_lag_seconds")
        assert len(lag) == 3 and {m["dimensions"]["function"] for m in lag} == {"cli"}
        monitoring.fail = 404
        world.fill(per_scope=1, tag="again")
        assert main(["collect", "--source", "audit", "--auth", "resource_principal"]) == 0  # delivery decides
        err = capsys.readouterr().err
        assert "metrics not posted: PostMetricData: HTTP 404" in err
