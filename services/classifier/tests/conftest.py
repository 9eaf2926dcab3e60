"""Helpers the classifier's broker tests share: a classifier on a real nats-server and a bounded wait."""

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Protocol, TypeVar

from nats.aio.msg import Msg

from tanggap_classifier.handlers import register_handlers
from tanggap_classifier.policy import load_policy
from tanggap_classifier.settings import ClassifierSettings
from tanggap_shared.events import EventBase, IncidentClassified, parse_event
from tanggap_shared.messaging import STREAM_NAME
from tanggap_shared.runtime import Runtime


async def eventually(check: Callable[[], bool | Awaitable[bool]], timeout: float = 15.0) -> None:
    async def poll() -> None:
        while True:
            done = check()
            if done if isinstance(done, bool) else await done:
                return
            await asyncio.sleep(0.05)

    await asyncio.wait_for(poll(), timeout)


class Collector(Protocol):
    async def collect(self, msg: Msg) -> None: ...


C = TypeVar("C", bound=Collector)


@asynccontextmanager
async def classifier_on(broker_url: str, state_dir: Path, make: Callable[[Runtime], C]) -> AsyncIterator[C]:
    """The classifier's handlers running on `broker_url`; every incident.classified goes to the collector
    `make` builds on their runtime."""
    settings = ClassifierSettings(broker_url=broker_url, state_dir=state_dir)
    runtime = Runtime.build(settings)
    register_handlers(runtime, settings, load_policy())
    await runtime.open()
    await runtime.broker.start()
    collector = make(runtime)
    js = runtime.broker.config.connection_state.stream
    sub = await js.subscribe("tanggap.incident.classified", cb=collector.collect, ordered_consumer=True)
    try:
        yield collector
    finally:
        await sub.unsubscribe()
        await runtime.broker.stop()
        await runtime.close()


class Harness:
    """Collects every incident.classified; `send` publishes an event and waits for the classification."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.seen: list[IncidentClassified] = []

    async def collect(self, msg: Msg) -> None:
        event = parse_event(msg.data)
        if isinstance(event, IncidentClassified):
            self.seen.append(event)

    def of(self, incident: uuid.UUID) -> list[IncidentClassified]:
        return [e for e in self.seen if e.incident_id == incident]

    async def publish(self, event: EventBase) -> None:
        await self.runtime.broker.publish(event.model_dump_json().encode(), event.subject, stream=STREAM_NAME)

    async def send(self, event: EventBase, expect: int) -> IncidentClassified:
        await self.publish(event)
        await eventually(lambda: len(self.of(event.incident_id)) >= expect)
        return self.of(event.incident_id)[-1]
