"""Prometheus metrics every service exposes at /metrics; services add their own beside these.

Defined once per process (the default registry); the `service` label tells processes apart when
several services run in one test process.
"""

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest

EVENTS_CONSUMED = Counter(
    "tanggap_events_consumed_total",
    "Events taken from the stream, by outcome (handled, retried, dead_lettered).",
    ["service", "consumer", "type", "outcome"],
)
HANDLER_SECONDS = Histogram(
    "tanggap_handler_seconds",
    "Time spent handling one event.",
    ["service", "consumer"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
EVENTS_PUBLISHED = Counter(
    "tanggap_events_published_total", "Events the outbox relay published.", ["service", "subject"]
)
OUTBOX_PENDING = Gauge("tanggap_outbox_pending", "Outbox rows not yet published.", ["service"])
DEAD_LETTER_DEPTH = Gauge("tanggap_dead_letter_depth", "Messages in the dead-letter stream.", ["service"])
# The cost budget per report (`make bench`): how many round trips to the database the plumbing makes.
DB_TRANSACTIONS = Counter(
    "tanggap_db_transactions_total", "Database transactions committed or rolled back.", ["database", "end"]
)
DB_STATEMENTS = Counter("tanggap_db_statements_total", "SQL statements sent to the database.", ["database"])


def render() -> tuple[bytes, str]:
    """The exposition text and its content type."""
    return generate_latest(), CONTENT_TYPE_LATEST
