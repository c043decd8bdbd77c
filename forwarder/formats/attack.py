"""The ATT&CK fields of a detection record as text, shared by the formats that carry them as keys."""

from __future__ import annotations

from forwarder.normalize.record import Kind


def attack_fields(d: dict) -> tuple[str | None, str | None, str | None, str | None]:
    """(tactic ids, technique ids, tactic names, technique names) of a detection's output mapping, each
    comma-separated (`TA0003,TA0004`, `T1098.001`, `Persistence,Privilege Escalation`, ...); all None for
    other records. Which key carries which in each format: docs/detections.md."""
    if d["kind"] is not Kind.DETECTION:
        return None, None, None, None
    details = d["details"]
    tactics, techniques = details.get("tactics") or [], details.get("techniques") or []
    return (
        ",".join(t["id"] for t in tactics) or None,
        ",".join(t["id"] for t in techniques) or None,
        ",".join(t["name"] for t in tactics) or None,
        ",".join(t["name"] for t in techniques) or None,
    )
