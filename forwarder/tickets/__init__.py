"""Tickets for Cloud Guard problems and detections at or above a risk level: opened once, updated, resolved.

`Tracker` holds the policy (which events open, update or resolve a ticket, once per problem);
a `TicketSystem` (ServiceNow, Jira, PagerDuty, Oracle B2C Service) speaks one API with the same face:

    name: str
    can_find: bool                       # False when the API cannot look tickets up (PagerDuty)
    find(key, deadline) -> str | None    # the open ticket's reference
    create(key, record, deadline) -> str # opens one; returns its reference (INC..., KEY-1, dedup key)
    update(ref, key, record, deadline)   # adds what changed (work note, comment, re-trigger)
    resolve(ref, key, record, deadline) -> bool  # False when it was already resolved

The problem key is the problem OCID (`content.problem_key`). Events arrive at least once and Cloud
Guard re-sends "Existing Problem updated" events, so:
- problemdetected / problemthresholdreached / updated at or above the risk level: open when none is
  open; a repeated "detected" leaves the open ticket alone; an "updated" event adds an update;
- problemremediated / problemdismissed: resolve the open ticket, if any (whatever the risk level);
- an event id already handled by this container is left alone (a duplicate delivery);
- below the risk level, or first seen already remediated: nothing is opened.
A detection (`forwarder.detect`) fires once per rule and group within a window, under an id of its own:
it opens one ticket (key: the detection's id) when at or above the risk level, and is never resolved
by the forwarder.

Modules: `tracker.py` (`Tracker`, the policy), `api.py` (checked JSON calls), `content.py` (what a ticket
says), `servicenow.py`, `jira.py`, `pagerduty.py`, `service_cloud.py`, and `config.py` (the TICKET_* keys).
Nothing heavy is imported with the package: settings read `tickets.config` at every cold start.
"""
