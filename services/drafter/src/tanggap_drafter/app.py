"""The drafter process: its runtime, the key-message library and the incident.classified consumer."""

from dataclasses import dataclass

from faststream.asgi import AsgiFastStream

from tanggap_drafter.handlers import SERVICE, make_incident_classified_handler
from tanggap_drafter.items import load_starter
from tanggap_drafter.settings import DrafterSettings
from tanggap_drafter.store import KeyMessageStore
from tanggap_shared.messaging import subscribe
from tanggap_shared.runtime import Runtime, worker_app


@dataclass
class Drafter:
    """What one drafter process holds; `open_library` must run before the consumer starts."""

    settings: DrafterSettings
    runtime: Runtime
    store: KeyMessageStore

    @classmethod
    def build(cls, settings: DrafterSettings) -> "Drafter":
        drafter = cls(settings, Runtime.build(settings), KeyMessageStore(settings.qdrant_target()))
        subscribe(
            drafter.runtime.broker,
            service=SERVICE,
            name="incident-classified",
            subjects=["tanggap.incident.classified"],
            handler=make_incident_classified_handler(
                drafter.runtime, drafter.store, top_k=settings.library_top_k
            ),
            max_deliveries=settings.max_deliveries,
            ack_wait=settings.ack_wait_seconds,
            batch=settings.consumer_batch,
        )
        return drafter

    async def open_library(self) -> None:
        await self.store.open(load_starter())


def create_app(settings: DrafterSettings) -> AsgiFastStream:
    drafter = Drafter.build(settings)
    app = worker_app(drafter.runtime, title="Tanggap drafter", on_startup=[drafter.open_library])
    # After the broker has stopped, so no message in flight finds the library closed.
    app.after_shutdown(drafter.store.close)
    return app
