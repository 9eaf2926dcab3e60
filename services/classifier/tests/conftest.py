"""Helpers the classifier's broker tests share: a classifier on a real nats-server and a bounded wait."""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Protocol, TypeVar

from nats.aio.msg import Msg

from tanggap_classifier.handlers import register_handlers
from tanggap_classifier.policy import load_policy
from tanggap_classifier.settings import ClassifierSettings
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
