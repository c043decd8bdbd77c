"""The change report's configuration (REPORT_*): keys, typed settings, and the checks."""

from __future__ import annotations

from typing import Any, NamedTuple

from forwarder.config import ConfigError, Key
from forwarder.config import values as v

KEYS: tuple[Key, ...] = (
    Key(
        "REPORT_BUCKET",
        v.text,
        None,
        "oci-forwarder-reports",
        'Makes this function a reporter (`{"task": "report"}`): the Object Storage bucket of the change '
        "reports, `reports/YYYY/MM/DD/changes.html|csv|json` (and `reports/week/`, `month/`, `range/`). The CLI "
        "writes to `--out DIR` instead.",
        shown="(none: not a reporter)",
        scope="report",
    ),
    Key(
        "REPORT_NAMESPACE",
        v.text,
        None,
        "axaxnpcrorw5",
        "Object Storage namespace of the report bucket.",
        shown="(looked up)",
        scope="report",
    ),
    Key(
        "REPORT_TIMEZONE",
        v.timezone,
        "UTC",
        "Europe/Paris",
        "IANA time zone of the report day (midnight to midnight) and of the times it shows.",
        scope="report",
        shown="UTC",
    ),
    Key(
        "REPORT_TOPIC_OCID",
        v.ocid("onstopic"),
        None,
        "ocid1.onstopic.oc1.iad.aaaa",
        "OCI Notifications topic told when a report is ready (totals, top changes, where the report is).",
        shown="(no message)",
        scope="report",
    ),
    Key(
        "REPORT_LINK_HOURS",
        v.integer(1, 8760),
        None,
        "72",
        "Hours a pre-authenticated read link to the day's report lives; the message then carries the link "
        "(anyone holding it can read the report until it expires).",
        shown="(no link)",
        scope="report",
    ),
    Key(
        "REPORT_HTML_ROWS",
        v.integer(10, 100000),
        1000,
        "5000",
        "Changes listed in the HTML page (the earliest; the CSV has every one).",
        scope="report",
    ),
)


class ReportSettings(NamedTuple):
    """Where daily change reports go and how they read (REPORT_*)."""

    bucket: str | None  #: None: not a reporter (the CLI writes to a folder)
    namespace: str | None
    timezone: str  #: IANA name
    topic: str | None  #: Notifications topic OCID
    link_hours: int | None  #: pre-authenticated link lifetime; None: no link
    html_rows: int


def sections(c: dict[str, Any]) -> dict[str, Any]:
    """The report's part of `forwarder.settings.Settings`."""
    return {"report": report(c)}


def report(c: dict[str, Any]) -> ReportSettings:
    if c["REPORT_LINK_HOURS"] and not c["REPORT_BUCKET"]:
        raise ConfigError("REPORT_LINK_HOURS: a read link needs REPORT_BUCKET (reports in a bucket)")
    return ReportSettings(
        c["REPORT_BUCKET"],
        c["REPORT_NAMESPACE"],
        c["REPORT_TIMEZONE"],
        c["REPORT_TOPIC_OCID"],
        c["REPORT_LINK_HOURS"],
        c["REPORT_HTML_ROWS"],
    )
