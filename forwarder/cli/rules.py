"""`python -m forwarder rules list | test FILE... | export --target splunk`: the rule pack from the command line.

The rules are those the function would run: the built-in pack minus DETECTION_DISABLE, plus
DETECTION_RULES (the same environment keys).
"""

from __future__ import annotations

import argparse
import sys
import textwrap

from forwarder.jsoncodec import dumps


def add_parser(commands) -> None:
    """Add the `rules` command and its subcommands to an argparse subparsers object."""
    rules = commands.add_parser(
        "rules",
        help="list, try and export the detection rules",
        description="The detection rules the function runs: the built-in Sigma pack minus DETECTION_DISABLE, "
        "plus DETECTION_RULES.",
    )
    rules.set_defaults(rules_parser=rules)
    sub = rules.add_subparsers(dest="rules_command", metavar="{list,test,export}")
    listing = sub.add_parser("list", help="id, name, level, ATT&CK techniques and title of every enabled rule")
    listing.add_argument(
        "--json", action="store_true", help="one JSON object per rule (id, name, level, tactics, techniques, title)"
    )
    test = sub.add_parser(
        "test",
        help="which rules fire on the events in FILE",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=textwrap.dedent(
            """\
            Run the enabled rules over the events of each FILE (any shape `replay` reads), all files
            as one stream, windows counted in memory. Prints one line per rule that fired, then each
            detection record as a JSON line with --json. Exits 0 when a rule fired, 1 when none did."""
        ),
    )
    test.add_argument("paths", nargs="+", metavar="FILE")
    test.add_argument("--json", action="store_true", help="also print the detection records as JSON lines")
    export = sub.add_parser("export", help="the rules as SIEM queries (pySigma backends)")
    export.add_argument("--target", choices=["splunk"], required=True, help="query language (SPL for Splunk)")


def run(parser, args) -> int:
    """Run a `rules` subcommand; returns the exit status.

    Raises:
        ConfigError: the settings are bad, or a rule file does not compile (named).
    """
    from forwarder.cli.common import settings as load
    from forwarder.detect import RuleError
    from forwarder.detect.pack import load as load_rules
    from forwarder.oci.auth import default_auth
    from forwarder.oci.clients import for_function
    from forwarder.settings import ConfigError

    if args.rules_command is None:
        args.rules_parser.error("choose a command: list (the enabled rules), test FILE... or export --target splunk")
    settings = load()
    d = settings.detection
    try:
        if args.rules_command == "export":
            return _export(args.target, d)
        rules = load_rules(d.rules, d.disable, clients=for_function(settings, default_auth()))
    except RuleError as exc:
        raise ConfigError(str(exc)) from None
    if args.rules_command == "list":
        return _list(rules, args.json)
    return _test(rules, args.paths, args.json)


def _list(rules: list[dict], as_json: bool = False) -> int:
    """One line per enabled rule that makes detections: a table, or JSON lines
    `{"id", "name", "level", "tactics", "techniques", "title", "file"}`."""
    from forwarder.detect.pack import emitting

    shown = emitting(rules)  # a rule only counted shows through its correlation
    if as_json:
        for r in shown:
            keys = ("id", "name", "level", "tactics", "techniques", "title", "file")
            sys.stdout.write(dumps({k: r.get(k) for k in keys}) + "\n")
        return 0
    print(f"{'id':36}  {'name':38}  {'level':8}  {'techniques':18}  title")
    for r in shown:
        techniques = ",".join(r["techniques"]) or "-"
        print(f"{r['id']:36}  {r['name'] or '-':38}  {r['level']:8}  {techniques:18}  {r['title']}")
    return 0


def _test(rules: list[dict], paths: list[str], as_json: bool) -> int:
    from forwarder.detect.engine import Detector
    from forwarder.normalize import normalize
    from forwarder.sources import Reject, read_batches

    detector = Detector(rules)
    detections = []
    matched = 0
    for path in paths:
        try:
            stream = open(sys.stdin.fileno(), "rb", closefd=False) if path == "-" else open(path, "rb")  # noqa: SIM115
        except OSError as exc:
            print(f"{path}: {exc.strerror}", file=sys.stderr)
            return 2
        with stream:
            for batch in read_batches(stream):
                records = [normalize(item) for item in batch if not isinstance(item, Reject)]
                result = detector.evaluate(records)
                if result.warning:
                    print(f"warning: {result.warning}", file=sys.stderr)
                matched += result.matched
                detections += result.detections
    fired: dict[str, list] = {}
    for record in detections:
        fired.setdefault(record.details["ruleId"], []).append(record)
    for rule_id, records in fired.items():
        details = records[0].details
        groups = "; ".join(", ".join(f"{k}={v}" for k, v in r.details["groupBy"].items()) or "-" for r in records)
        print(
            f"fired  {details['ruleName'] or rule_id}  {records[0].title}  ({len(records)} detection(s), "
            f"{sum(r.details['count'] for r in records)} event(s); groups: {groups})"
        )
    print(f"{len(fired)} rule(s) fired, {len(detections)} detection(s), {matched} rule match(es)")
    if as_json:
        for record in detections:
            sys.stdout.write(dumps(record.to_dict()) + "\n")
    return 0 if fired else 1


def _export(target: str, d) -> int:
    """Print each enabled rule as a Splunk search (SPL), preceded by an SPL comment naming it."""
    import copy
    from pathlib import Path

    from sigma.backends.splunk import SplunkBackend
    from sigma.collection import SigmaCollection
    from sigma.correlations import SigmaCorrelationRule, SigmaCorrelationType

    from forwarder.detect.pack import RULES_DIR, disabled, read_sources

    texts = [(str(f), f.read_text(encoding="utf-8")) for f in sorted(Path(RULES_DIR).glob("*.yml"))]
    texts += read_sources(d.rules)
    collection = SigmaCollection.merge([SigmaCollection.from_yaml(text, resolve_references=False) for _, text in texts])
    collection.resolve_rule_references()
    off = disabled(d.disable)
    counted = {id(ref.rule) for r in collection.rules for ref in getattr(r, "rules", []) or []}
    backend = SplunkBackend(_placeholders(d.placeholders))
    for rule in collection.rules:
        if str(rule.id) in off or id(rule) in counted:
            continue  # a rule counted by a correlation is exported inside the correlation's search
        refs = [ref.rule for ref in rule.rules] if isinstance(rule, SigmaCorrelationRule) else []
        note = ""
        if isinstance(rule, SigmaCorrelationRule) and rule.type is SigmaCorrelationType.TEMPORAL_ORDERED:
            # the Splunk backend has no ordered form: exported as `temporal` (every rule in the span, any order)
            rule = copy.copy(rule)
            rule.type = SigmaCorrelationType.TEMPORAL
            note = " -- order not checked: the engine requires the rules' order, this search does not"
        one = SigmaCollection([*refs, rule])
        one.resolve_rule_references()
        for query in backend.convert(one):
            print(f"``` {rule.title} ({rule.id}){note} ```\n{query}\n")
    return 0


def _placeholders(values: dict[str, tuple[str, ...]]):
    """The Splunk export's processing pipeline for Sigma placeholders: DETECTION_PLACEHOLDERS' values where
    set; otherwise a lookup of the placeholder's name (`| inputlookup <name>.csv`, one column `value`)."""
    from sigma.processing.pipeline import ProcessingItem, ProcessingPipeline
    from sigma.processing.transformations.placeholder import (
        QueryExpressionPlaceholderTransformation,
        ValueListPlaceholderTransformation,
    )

    lookup = "[| inputlookup {id}.csv | rename value AS {field} | fields {field}]"
    items = [ProcessingItem(QueryExpressionPlaceholderTransformation(expression=lookup))]
    if values:
        items.insert(0, ProcessingItem(ValueListPlaceholderTransformation(include=list(values))))
    return ProcessingPipeline(items=items, vars={name: list(v) for name, v in values.items()})
