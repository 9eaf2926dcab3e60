"""The intake's own Prometheus metrics, served at /metrics beside the shared ones."""

from prometheus_client import Counter, Histogram

TIME_TO_FIRST_STATEMENT = Histogram(
    "tanggap_time_to_first_statement_seconds",
    "From an incident's first report to its first approved statement, by the kind approved first.",
    ["kind"],
    # The training target is 60 minutes for the whole cycle; the golden hour asks a holding statement in one.
    buckets=(300, 600, 900, 1800, 2700, 3600, 5400, 7200, 10800, 21600, 86400),
)

WEBHOOK_IGNORED = Counter(
    "tanggap_intake_webhook_ignored",
    "Webhook deliveries (or parts of them) answered 200 but not used, by channel and reason: a platform "
    "retries on errors, so what cannot be used is counted here instead of refused.",
    ["channel", "reason"],
)


def ignored(channel: str, reason: str) -> None:
    WEBHOOK_IGNORED.labels(channel, reason).inc()
