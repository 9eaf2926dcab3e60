"""The notifier's own Prometheus metrics, served at /metrics beside the shared ones."""

from prometheus_client import Counter, Histogram

DELIVERY_ATTEMPTS = Counter(
    "tanggap_delivery_attempts_total",
    "Delivery attempts by channel type (the Apprise scheme) and result.",
    ["channel", "result"],
)
TIME_TO_ACKNOWLEDGE = Histogram(
    "tanggap_time_to_acknowledge_seconds",
    "From a notification being delivered to its recipient acknowledging it.",
    buckets=(30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 86400),
)


def channel_type(channel: str) -> str:
    """`tgram://…` → `tgram`: bounded label values, and no tokens from the URL."""
    scheme, separator, _ = channel.partition("://")
    return scheme.lower() if separator and scheme.isalnum() else "unknown"
