"""The drafter process: runtime, key-message library, optional model endpoint, and its consumers."""

from dataclasses import dataclass

from faststream.asgi import AsgiFastStream
from openai import AsyncOpenAI

from tanggap_drafter.composer import Composer, LlmLimits
from tanggap_drafter.edits import make_draft_edited_handler
from tanggap_drafter.embeddings import Embedder, OpenAIEmbedder
from tanggap_drafter.handlers import (
    SERVICE,
    Deps,
    make_draft_requested_handler,
    make_draft_reviewed_handler,
    make_incident_classified_handler,
    make_incident_closed_handler,
)
from tanggap_drafter.items import load_starter
from tanggap_drafter.llm import LlmDrafter
from tanggap_drafter.plan import load_plan
from tanggap_drafter.settings import DrafterSettings
from tanggap_drafter.store import KeyMessageStore
from tanggap_drafter.teams import make_crisis_team_formed_handler
from tanggap_shared.messaging import Handler, subscribe
from tanggap_shared.runtime import Runtime, worker_app

# Consumer name → (subject, handler factory); the names are durable consumer names, never rename one.
CONSUMERS = {
    "incident-classified": ("tanggap.incident.classified", make_incident_classified_handler),
    "draft-requested": ("tanggap.draft.requested", make_draft_requested_handler),
    "draft-reviewed": ("tanggap.draft.reviewed", make_draft_reviewed_handler),
    "incident-closed": ("tanggap.incident.closed", make_incident_closed_handler),
    "draft-edited": ("tanggap.draft.edited", make_draft_edited_handler),
    "crisis-team-formed": ("tanggap.crisis_team.formed", make_crisis_team_formed_handler),
}


def openai_client(settings: DrafterSettings) -> AsyncOpenAI | None:
    """The client for the configured endpoint; None when none is configured (nothing connects then)."""
    if not settings.endpoint_configured:
        return None
    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else "unused"
    return AsyncOpenAI(
        base_url=settings.openai_base_url,
        api_key=key,
        timeout=settings.llm_timeout_seconds,
        max_retries=settings.llm_max_retries,
    )


def build_embedder(settings: DrafterSettings, client: AsyncOpenAI | None) -> Embedder | None:
    if client is None or not settings.embeddings_enabled or settings.embedding_model is None:
        return None
    return OpenAIEmbedder(client, settings.embedding_model, timeout=settings.embedding_timeout_seconds)


def build_llm(settings: DrafterSettings, client: AsyncOpenAI | None) -> LlmDrafter | None:
    if client is None or not settings.llm_enabled or settings.llm_model is None:
        return None
    return LlmDrafter(
        client,
        model=settings.llm_model,
        timeout=settings.llm_timeout_seconds,
        max_tokens=settings.llm_max_tokens,
        max_input_chars=settings.llm_max_input_chars,
    )


def build_store(settings: DrafterSettings, client: AsyncOpenAI | None = None) -> KeyMessageStore:
    return KeyMessageStore(settings.qdrant_target(), embedder=build_embedder(settings, client))


@dataclass
class Drafter:
    """What one drafter process holds; `open_library` must run before the consumers start."""

    settings: DrafterSettings
    runtime: Runtime
    store: KeyMessageStore
    composer: Composer

    @classmethod
    def build(cls, settings: DrafterSettings) -> "Drafter":
        client = openai_client(settings)
        store = build_store(settings, client)
        limits = LlmLimits(
            concurrency=settings.llm_concurrency, deadline_seconds=settings.llm_deadline_seconds
        )
        composer = Composer(store, build_llm(settings, client), top_k=settings.library_top_k, limits=limits)
        drafter = cls(settings, Runtime.build(settings), store, composer)
        deps = Deps(runtime=drafter.runtime, store=store, composer=composer, plan=load_plan())
        for name, (subject, factory) in CONSUMERS.items():
            handler: Handler = factory(deps)
            subscribe(
                drafter.runtime.broker,
                service=SERVICE,
                name=name,
                subjects=[subject],
                handler=handler,
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
