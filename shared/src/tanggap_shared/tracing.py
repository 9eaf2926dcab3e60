"""OpenTelemetry tracing across the services through the broker (optional).

On when TANGGAP_TRACING=true or OTEL_EXPORTER_OTLP_ENDPOINT is set; spans go to that OTLP/HTTP endpoint
(Jaeger, Tempo, an OpenTelemetry collector). FastStream's telemetry middleware makes a span for every publish
and consume and carries the context in message headers. Our events leave through the outbox, published later
by the relay outside the span that produced them, so each event carries the W3C trace context it was created
in (`trace_context` in the envelope), and the relay re-attaches it when publishing: one trace follows a
report from the intake through every service.
"""

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from opentelemetry import context, propagate
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor, SpanExporter


def tracing_enabled(flag: bool) -> bool:
    return flag or bool(os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"))


def make_tracer_provider(service: str, exporter: SpanExporter | None = None) -> TracerProvider:
    """A provider named after the service; an explicit exporter (tests) or OTLP/HTTP from the environment."""
    provider = TracerProvider(resource=Resource.create({"service.name": f"tanggap-{service}"}))
    if exporter is not None:
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    else:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    return provider


def current_trace_context() -> dict[str, str]:
    """The W3C headers of the span we are in (empty outside any span)."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier


@contextmanager
def attached(carrier: Mapping[str, str]) -> Iterator[None]:
    """Run the block inside the trace context of `carrier` (a no-op when it is empty)."""
    if not carrier:
        yield
        return
    token = context.attach(propagate.extract(dict(carrier)))
    try:
        yield
    finally:
        context.detach(token)
