"""A tenancy to report on, on loopback: the OCI read API stand-ins (3 regions; Logging Search with its
filter stage, Identity, Notifications) and an Object Storage report bucket with multipart uploads and
pre-authenticated links. Every OCI request is signed by the real SDK and checked by the stand-ins."""

from __future__ import annotations

from datetime import date

from forwarder.report import day as days
from tests.report_day import PRINCIPALS, generate
from tests.support.oci import resource_principal
from tests.support.oci_apis import TOPIC, OciApis
from tests.support.report_bucket import ReportBucket

REGIONS = ("us-ashburn-1", "eu-frankfurt-1", "ap-tokyo-1")
ZONE = "Europe/Paris"
DAY = days.of(date(2026, 11, 18), ZONE)


class ReportWorld:
    def __init__(self, httpserver, tmp_path, monkeypatch, principal=None):
        self.principal = principal or resource_principal(tmp_path)
        self.apis = OciApis(self.principal, regions=REGIONS)
        self.apis.search_page = 300  # the API gives up to 1000 a page; fewer here, so every hour pages
        self.bucket = ReportBucket(httpserver, self.principal)
        self.env = {
            **getattr(self.principal, "env", {}),
            **self.apis.endpoints,
            "REPORT_BUCKET": "reports",
            "OCI_OBJECTSTORAGE_ENDPOINT": self.bucket.endpoint,
            "REPORT_TIMEZONE": ZONE,
            "REPORT_TOPIC_OCID": TOPIC,
            "REPORT_LINK_HOURS": "24",
        }
        for key, value in self.env.items():
            monkeypatch.setenv(key, value)
        self.monkeypatch = monkeypatch

    def fill(self, day=DAY, n: int = 5000, seed: int = 7, principals=PRINCIPALS, outside: bool = True) -> dict:
        """`n` generated audit events of `day` in the stand-ins; what the report must count."""
        events, expected = generate(day, list(REGIONS), n, seed, principals, outside=outside)
        for region, records in events.items():
            for record in records:
                self.apis.add(region, record)
        return expected

    def run(self, day=DAY, deadline=None, **env) -> dict:
        """One report run of a day or a period in a fresh container (settings read anew)."""
        from forwarder import report
        from forwarder.oci import auth as oci_auth
        from forwarder.settings import load_settings

        for key, value in env.items():
            self.monkeypatch.setenv(key, value)
        oci_auth.reset()
        return report.build(load_settings()).run(day, deadline=deadline)

    def objects(self, day=DAY) -> dict[str, bytes]:
        found = self.bucket.objects.items()
        return {
            name.rsplit(".", 1)[1]: body
            for name, body in found
            if name.startswith(day.prefix) and name.rsplit("/", 1)[1].startswith("changes.")
        }

    def close(self) -> None:
        self.apis.close()
