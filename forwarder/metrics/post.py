"""Posting self-metrics to OCI Monitoring: PostMetricData at the region's telemetry-ingestion endpoint.

One call carries at most 50 metric streams (the API's limit), so an invocation is one call and a large
collection run a few. Every call goes through `forwarder.oci.calls.call` (the one retry rule) within a
few seconds of the caller's deadline. A failure is returned, never raised: metrics never fail delivery.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from forwarder.metrics import Point

#: Most metric streams one PostMetricData call may carry.
STREAMS_PER_CALL = 50
#: Most seconds spent posting one invocation's or run's metrics, retries included.
SECONDS = 3.0


class Poster:
    """Posts points into METRICS_NAMESPACE in METRICS_COMPARTMENT_OCID with `clients`' principal.

    Args:
        settings: `forwarder.settings.Settings` with `metrics.namespace` set.
        clients: `forwarder.oci.clients.for_metrics(settings)`.
    """

    def __init__(self, settings, clients):
        self.namespace = settings.metrics.namespace
        self.compartment = settings.metrics.compartment
        self.clients = clients

    def post(self, points: list[Point], deadline: float | None = None) -> dict:
        """Post `points`, stamped now. Returns `{"posted": n}`, with `"failed": reason` when some were not.

        PostMetricData (POST /20180401/metrics, `batchAtomicity` NON_ATOMIC): each point is one metric
        stream of one datapoint; the answer's `failedMetrics` are counted as not posted.
        """
        from oci.monitoring.models import Datapoint, MetricDataDetails, PostMetricDataDetails

        from forwarder.oci.calls import call
        from forwarder.retry import Failure

        until = time.monotonic() + SECONDS if deadline is None else min(deadline, time.monotonic() + SECONDS)
        now = datetime.now(UTC)
        posted, problems = 0, []
        for start in range(0, len(points), STREAMS_PER_CALL):
            chunk = points[start : start + STREAMS_PER_CALL]
            data = [
                MetricDataDetails(
                    namespace=self.namespace,
                    compartment_id=self.compartment,
                    name=p.name,
                    dimensions=p.dimensions,
                    datapoints=[Datapoint(timestamp=now, value=float(p.value), count=1)],
                )
                for p in chunk
            ]
            details = PostMetricDataDetails(metric_data=data, batch_atomicity="NON_ATOMIC")
            try:
                client = self.clients.get("monitoring")
                answer = call(client.post_metric_data, details, deadline=until, name="PostMetricData").data or {}
            except Exception as exc:  # Failure, AuthError, no endpoint: said in the summary, never raised
                problems.append(exc.reason if isinstance(exc, Failure) else f"{type(exc).__name__}: {exc}")
                continue
            failed = answer.get("failedMetricsCount") or 0
            posted += len(chunk) - failed
            if failed:
                first = (answer.get("failedMetrics") or [{}])[0].get("message", "")
                problems.append(f"PostMetricData refused {failed} of {len(chunk)}: {first}")
        return {"posted": posted, "failed": "; ".join(problems)} if problems else {"posted": posted}


def post_summary(poster: Poster, kind: str, summary: dict, deadline: float | None) -> dict:
    """Post the points of `summary` (`kind`: "delivery", "collection" or "report", as `forwarder.metrics` makes
    them) and say in it what was posted: `summary["metrics"] = {"posted": n[, "failed": reason]}`, returned."""
    from forwarder import metrics

    points = {"delivery": metrics.of_delivery, "collection": metrics.of_collection, "report": metrics.of_report}[kind]
    summary["metrics"] = poster.post(points(summary, metrics.function_name()), deadline)
    return summary["metrics"]
