"""Raw events -> normalized `Record`s: one shape for every source, credentials redacted.

`normalize(event, region)` builds a Record (`build`), after repairing export artefacts (`repair`)
and redacting credentials (`redact`); `type_problems(event)` names fields of the wrong type.
"""

from forwarder.normalize.build import normalize
from forwarder.normalize.fields import type_problems
from forwarder.normalize.record import RISK_LEVELS, Kind, Lifecycle, Principal, Record, Resource, Severity
from forwarder.normalize.redact import REDACTED

__all__ = [
    "normalize",
    "type_problems",
    "Record",
    "Kind",
    "Lifecycle",
    "Severity",
    "Resource",
    "Principal",
    "RISK_LEVELS",
    "REDACTED",
]
