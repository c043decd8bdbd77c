"""The change report's rules, each on its own: what a change is and of which kind (the one table), the
report day across daylight saving changes, the top-resources summary past its capacity, configuration."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from forwarder.report import changes, day
from forwarder.report.tally import TopCounter


@pytest.mark.parametrize(
    ("action", "name", "kind"),
    [
        ("GET", "CreateBucket", None),  # a GET never changes anything
        ("POST", "ListMetrics", None),
        ("POST", "SearchResources", None),
        ("POST", "SummarizeMetricsData", None),
        ("POST", "RequestSummarizedUsages", None),
        ("POST", "Decrypt", None),
        ("POST", "CreateBucket", "create"),
        ("post", "UploadApiKey", "create"),
        ("POST", "AddUserToGroup", "create"),
        ("PUT", "UpdatePolicy", "update"),
        ("POST", "ChangeCompartment", "update"),
        ("PUT", "PutObjectLifecyclePolicy", "update"),
        ("POST", "AttachVolume", "update"),
        ("POST", "MoveResource", "update"),
        ("POST", "InstanceAction", "update"),
        ("POST", "CancelKeyDeletion", "update"),
        ("POST", "ScheduleKeyDeletion", "delete"),
        ("DELETE", "DeleteBucket", "delete"),
        ("DELETE", "TerminateInstance", "delete"),
        ("POST", "RemoveUserFromGroup", "delete"),
        ("DELETE", "DetachVolume", "delete"),
        ("POST", "CancelWorkRequest", "delete"),
        ("POST", "AddressListRefresh", "create"),  # "Add" is not the verb of "AddressList": by action
        ("PATCH", "Tweak", "update"),
        ("DELETE", None, "delete"),
        ("PUT", "", "update"),
    ],
)
def test_each_request_is_a_change_of_one_kind_or_none(action, name, kind):
    assert changes.classify(action, name) == kind


def test_failed_attempts_and_services():
    assert changes.failed("404") and changes.failed(500) and not changes.failed("200") and not changes.failed(None)
    assert changes.service_of("com.oraclecloud.identityControlPlane.CreateUser") == "identitycontrolplane"
    assert changes.category("identitycontrolplane") == "iam" and changes.category("virtualnetwork") == "network"
    assert changes.category("keymanagementservice") == "security" and changes.category("objectstorage") is None


def test_the_report_page_shows_the_table():
    from pathlib import Path

    page = (Path(__file__).parent.parent / "docs" / "report.md").read_text()
    assert changes.markdown_table() in page, (
        "docs/report.md: regenerate the table with forwarder.report.changes.markdown_table()"
    )


def test_a_day_is_local_midnight_to_midnight_across_daylight_saving_changes():
    autumn = day.of(date(2026, 10, 25), "Europe/Paris")  # clocks go back: 25 hours
    assert autumn.hours == 25 and autumn.start == datetime(2026, 10, 24, 22, tzinfo=UTC)
    labels = autumn.hour_labels()
    assert labels[2] == "02:00+02:00" and labels[3] == "02:00+01:00" and labels[-1] == "23:00+01:00"
    spring = day.of(date(2026, 3, 29), "Europe/Paris")  # clocks go forward: 23 hours
    assert spring.hours == 23 and spring.end == datetime(2026, 3, 29, 22, tzinfo=UTC)
    utc = day.of(date(2026, 11, 21), "UTC")
    assert utc.hours == 24 and utc.hour_labels()[13] == "13:00" and utc.prefix == "reports/2026/11/21/"
    assert utc.hour_of(utc.end) is None and utc.hour_of(utc.start) == 0
    assert day.yesterday("Asia/Tokyo", datetime(2026, 11, 21, 16, tzinfo=UTC)).date == date(2026, 11, 21)
    with pytest.raises(ValueError, match="IANA"):
        day.of(date(2026, 1, 1), "Mars/Olympus")
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        day.parse("21/11/2026", "UTC")


def test_top_resources_stay_bounded_and_keep_the_heavy_hitters_past_capacity():
    top = TopCounter(capacity=50)
    for i in range(20_000):
        top.add(f"r{i}", {"name": f"r{i}"})  # a long tail of single changes
        if i % 4 == 0:
            top.add("hot", {"name": "hot"})
        if i % 10 == 0:
            top.add("warm", {"name": "warm"})
    best = top.top(2)
    assert [b["name"] for b in best] == ["hot", "warm"] and top.evicted and len(top.counts) == 50
    assert best[0]["changes"] - best[0]["error"] <= 5000 <= best[0]["changes"]  # an upper bound, off by error
    assert len(top._heap) <= 50


def test_report_configuration_errors_name_the_key(monkeypatch):
    from forwarder.settings import ConfigError, load_settings

    with pytest.raises(ConfigError, match="^REPORT_TIMEZONE: expected an IANA time zone"):
        load_settings({"REPORT_TIMEZONE": "CEST+2"})
    with pytest.raises(ConfigError, match="^REPORT_LINK_HOURS: a read link needs REPORT_BUCKET"):
        load_settings({"REPORT_LINK_HOURS": "24"})
    with pytest.raises(ConfigError, match="^REPORT_BUKET: not a configuration key; did you mean REPORT_BUCKET"):
        load_settings({"REPORT_BUKET": "x"})
    assert load_settings({}).report.timezone == "UTC"
