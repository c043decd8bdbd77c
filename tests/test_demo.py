"""`make demo` is what a newcomer runs first: it passes, reads as one line per sample, and its report is
made of realistic data (the hostile names stay in the report's own tests)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import DATA, clean_env

ROOT = Path(__file__).resolve().parents[1]


def test_the_demo_passes_and_a_newcomer_can_read_it():
    done = subprocess.run(
        [sys.executable, "-m", "tests.demo"], cwd=ROOT, capture_output=True, text=True, env=clean_env(), timeout=300
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    lines = done.stdout.splitlines()
    assert max(len(line) for line in lines) <= 120
    assert lines[-1].startswith("demo OK")
    samples = sorted(p.name for p in DATA.glob("*.json"))
    table = [line for line in lines if re.match(r"  [a-z].*\.json|  [a-z].*…  ", line) and " of " in line]
    assert len(table) == len(samples)  # one line per sample, in order
    assert all(name.startswith(row.split()[0].rstrip("…")) for name, row in zip(samples, table, strict=True))
    assert any("(+1 detection)" in row for row in table) and any("A detection is a" in line for line in lines)
    assert "named by tenancy: acme-partner, acme-prod" in done.stdout  # two tenancies, one run
    assert "rsyslog received 37 of the 37 events, each once." in done.stdout  # a stream, a consumer group
    assert "its compartment is root/apps/prod" in done.stdout  # enrichment from the identity stand-ins
    assert "is in ['Administrators', 'StorageAdmins']" in done.stdout
    assert re.search(r"the lean sink received \d+% fewer bytes", done.stdout)
    assert "class 2004 Detection Finding, type_uid 200401" in done.stdout  # one OCSF record
    assert "exit 1: the failing check names the policy statement to add" in done.stdout  # doctor, at the end
    page, week = re.findall(r"open it in a browser: file://(\S+)", done.stdout)
    assert re.search(r"reports/week/\d{4}-W\d\d/changes\.html$", week) and Path(week).is_file()
    # The week and the one before: 14 days, one of them yesterday's report when today is a Monday.
    assert re.search(
        r"exit 0: \d+ audit events, \d+ of them changes; (14 days read, 0|13 days read, 1) reused", done.stdout
    )
    html = Path(page).read_text()
    assert "alice.martin@example.com" in html and "terraform-ci" in html
    assert "&lt;script&gt;" not in html and "HYPERLINK" not in html and "widget" not in html.lower()
