"""The change report: every create, update and delete in the tenancy on a day, a week, a month or any range,
set against all its audit events and the period before, in HTML, CSV and JSON.

`changes` is the table deciding what a change is and of which kind, `day` and `period` the window in
REPORT_TIMEZONE, `read` reads a day's audit changes (Logging Search, per region and hour), `events`
counts all its events (Logging Search `summarize`), `count` and `tally` count the changes in bounded
memory, `trends` compares with the period before, `render` writes the three forms, `store` puts them in
a folder or a bucket, `notify` publishes the summary, `run.Reporter` makes a day and `periods` a period
from its days' shards. `build(settings, ...)` wires a Reporter from validated settings (the function's
`{"task": "report"}` bodies and the CLI); `config` holds the reporter's keys. Nothing heavy is imported
with the package.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from forwarder.report.run import Reporter

__all__ = ["build"]


def build(
    settings,
    auth: str = "resource_principal",
    config_file: str | None = None,
    profile: str | None = None,
    out: str | None = None,
    tenancies=None,
) -> Reporter:
    """A `run.Reporter` for `settings` (forwarder.settings.Settings): reports in `out` (a local folder) when
    given, else in REPORT_BUCKET (in the principal's region), else in the current folder; `tenancies`
    (the CLI's) in place of COLLECT_TENANCIES."""
    from forwarder.oci.bucket import Bucket
    from forwarder.oci.clients import for_function, for_settings
    from forwarder.report.run import Reporter
    from forwarder.report.store import BucketStore, LocalStore

    r = settings.report
    clients = for_settings(settings, auth, config_file, profile)
    if out is not None or not r.bucket:
        store = LocalStore(out or ".")
    else:  # in the principal's own region, known once the principal is set up
        store = BucketStore(Bucket(clients, r.bucket, r.namespace))

    vault = for_function(settings, auth, config_file, profile)
    return Reporter(r, settings.collect, clients, store, tenancies=tenancies, vault_clients=vault)
