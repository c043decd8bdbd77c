"""OCSF objects shared by the classes of `forwarder.formats.ocsf`: user, actor, endpoint, HTTP request,
resources, status, and the pruning of absent attributes (OCSF leaves them out)."""

from __future__ import annotations

from typing import Any

from forwarder.formats.cef import is_ip

_HTTP_METHODS = frozenset(("OPTIONS", "GET", "HEAD", "POST", "PUT", "DELETE", "TRACE", "CONNECT"))


def user(d: dict) -> dict[str, Any]:
    p = d["principal"]
    user: dict[str, Any] = {"name": p["name"], "uid": p["id"]}
    for key, attribute in (("email", "email_addr"), ("displayName", "full_name")):
        if p.get(key):
            user[attribute] = p[key]
    if p.get("groups"):
        user["groups"] = [{"name": name} for name in p["groups"]]
    return user


def endpoint(d: dict) -> dict[str, Any]:
    """The caller's endpoint: its address, or the text sent in its place (OCSF needs one attribute)."""
    ip = d["principal"]["ip"]
    if is_ip(ip):
        return {"ip": ip}
    return {"name": ip or "unknown"}


def actor(d: dict) -> dict[str, Any]:
    """The principal as the actor's user; a record naming none was the service's own doing (`app_name`)."""
    if has_principal(d):
        return {"user": user(d)}
    return {"app_name": d["source"] or "OCI"}


def has_principal(d: dict) -> bool:
    return bool(d["principal"]["name"] or d["principal"]["id"])


def http_request(d: dict) -> dict[str, Any]:
    method = d["request"]["action"]
    return {
        "user_agent": d["principal"]["userAgent"],
        "http_method": method if method in _HTTP_METHODS else None,
        "url": {"path": d["request"]["path"]} if d["request"]["path"] else None,
    }


def resources(d: dict) -> list[dict[str, Any]]:
    compartment = d["compartment"]
    group = {"uid": compartment["id"], "name": compartment.get("path") or compartment["name"]}
    out = []
    for r in (d["resource"], d["impactedResource"]):
        if r["id"] or r["name"]:
            out.append({"uid": r["id"], "name": r["name"], "type": r["type"], "group": group, "region": d["region"]})
    return out


def status(d: dict) -> tuple[int, str]:
    code = d["responseStatus"]
    if code and code.isdigit():
        return (1, "Success") if int(code) < 400 else (2, "Failure")
    return 0, "Unknown"


def pruned(value: Any) -> Any:
    """`value` without None, empty strings, empty lists and empty objects (OCSF leaves absent attributes out)."""
    if isinstance(value, dict):
        out = {k: pruned(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v not in (None, "", [], {})}
    if isinstance(value, list):
        return [pruned(v) for v in value]
    return value


def ms(text: str | None) -> int | None:
    """Epoch milliseconds of an ISO 8601 UTC time (as the record holds them), None when absent or unreadable."""
    if not text:
        return None
    from forwarder.normalize.timeparse import parse_text

    moment, _ = parse_text(text)
    return None if moment is None else int(moment.timestamp() * 1000)
