"""Incidents the drafter tests share, and an OpenAI-compatible stand-in server."""

import asyncio
import socket
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from nats.js.errors import NotFoundError
from sqlalchemy import select

from tanggap_drafter.app import CONSUMERS, Drafter
from tanggap_drafter.items import load_starter
from tanggap_drafter.settings import DrafterSettings
from tanggap_drafter.store import KeyMessageStore, QdrantTarget
from tanggap_runner.nats import NatsServer
from tanggap_shared.contracts import Category
from tanggap_shared.db import OutboxEntry
from tanggap_shared.events import (
    Amount,
    EventBase,
    Fact,
    Facts,
    Impact,
    IncidentClassified,
    ReadFact,
    ReportReading,
    ReportSnapshot,
    TextSpan,
    UnitRef,
    parse_event,
)
from tanggap_shared.messaging import STREAM_NAME, durable_name

PALOPO = UnitRef(
    code="SULSEL-LAPAS-PALOPO",
    name="Lapas Kelas IIA Palopo",
    type="Lapas",
    unit_class="IIA",
    city="Palopo",
    region="SULSEL",
    region_name="Kanwil Ditjenpas Sulawesi Selatan",
)

SENTANI = UnitRef(
    code="PAPUA-RUTAN-SENTANI",
    name="Rutan Kelas IIB Sentani",
    type="Rutan",
    unit_class="IIB",
    city="Jayapura",
    region="PAPUA",
    region_name="Kanwil Ditjenpas Papua",
)

RIOT_TEXT = (
    "Terjadi kerusuhan di Lapas Palopo tadi malam, napi membakar ruang kantor dan satu napi tewas. "
    "Pelaku provokator disebut bernama Andi Saputra. Video beredar di TikTok."
)

IncidentFactory = Callable[..., IncidentClassified]


def _incident(**overrides: Any) -> IncidentClassified:
    report = ReportSnapshot(
        report_id=uuid.uuid4(),
        received_at=datetime.now(UTC),
        text=overrides.pop("text", RIOT_TEXT),
        facts=overrides.pop(
            "facts",
            Facts(
                what=Fact(value="kerusuhan di blok hunian dan pembakaran ruang kantor", verified=True),
                when=Fact(value="Senin, 2 Maret 2026 sekitar pukul 21.00 WITA", verified=True),
                where=Fact(value="Blok C dan ruang kantor", verified=True),
                who=Fact(value="sejumlah napi Blok C, diduga dipimpin Andi Saputra", verified=False),
                why=Fact(value="dipicu meninggalnya seorang penghuni di sel isolasi", verified=False),
            ),
        ),
        impact=overrides.pop("impact", Impact(deaths=1, injuries=3, video_exists=True)),
    )
    fields: dict[str, Any] = {
        "incident_id": uuid.uuid4(),
        "producer": "classifier",
        "unit": PALOPO,
        "report": report,
        "crisis": True,
        "level": 4,
        "category": Category.UNREST,
        "secondary_categories": [Category.DEATH],
        "policy_version": "test",
    }
    fields.update(overrides)
    return IncidentClassified(**fields)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[KeyMessageStore]:
    """The starter library in the embedded default engine (Qdrant Edge)."""
    store = KeyMessageStore(QdrantTarget(path=tmp_path / "qdrant"))
    await store.open(load_starter())
    yield store
    await store.close()


@pytest.fixture
def sentani() -> UnitRef:
    """A unit whose name does not contain its city."""
    return SENTANI


@pytest.fixture
def make_incident() -> IncidentFactory:
    """Build an IncidentClassified; by default a riot with one death at Lapas Palopo."""
    return _incident


# --- An OpenAI-compatible stand-in server (real HTTP on 127.0.0.1), scripted per test ------------------

Reply = tuple[int, dict[str, Any]] | Callable[[dict[str, Any]], tuple[int, dict[str, Any]]]


@dataclass
class OpenAIStub:
    """Answers /v1/chat/completions from `chat` (one scripted reply per call, the last one repeats) and
    /v1/embeddings with deterministic vectors; records every request body."""

    url: str = ""
    chat: list[Reply] = field(default_factory=list)
    delay_seconds: float = 0.0
    requests: list[dict[str, Any]] = field(default_factory=list)
    embedding_requests: list[dict[str, Any]] = field(default_factory=list)
    dimensions: int = 64

    def next_reply(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        self.requests.append(body)
        if not self.chat:
            return 500, {"error": {"message": "no scripted reply"}}
        reply = self.chat.pop(0) if len(self.chat) > 1 else self.chat[0]
        return reply(body) if callable(reply) else reply

    def embed(self, text: str) -> list[float]:
        """A bag of stemmed words hashed into a small dense vector: similar texts, similar vectors."""
        from tanggap_drafter.lexical import token_index, tokenise

        vector = [0.0] * self.dimensions
        for token in tokenise(text):
            vector[token_index(token) % self.dimensions] += 1.0
        norm = sum(v * v for v in vector) ** 0.5 or 1.0
        return [v / norm for v in vector]


def completion(content: str, finish_reason: str = "stop") -> tuple[int, dict[str, Any]]:
    """A chat completion answer carrying `content`."""
    return 200, {
        "id": "chatcmpl-stub",
        "object": "chat.completion",
        "created": 0,
        "model": "stub",
        "choices": [
            {
                "index": 0,
                "finish_reason": finish_reason,
                "message": {"role": "assistant", "content": content},
            }
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


def _stub_app(stub: OpenAIStub) -> Any:
    from fastapi import FastAPI, Request
    from fastapi.responses import JSONResponse

    app = FastAPI()

    @app.post("/v1/chat/completions")
    async def chat(request: Request) -> JSONResponse:
        body = await request.json()
        if stub.delay_seconds:
            await asyncio.sleep(stub.delay_seconds)
        status, payload = stub.next_reply(body)
        return JSONResponse(payload, status_code=status)

    @app.post("/v1/embeddings")
    async def embeddings(request: Request) -> JSONResponse:
        body = await request.json()
        stub.embedding_requests.append(body)
        texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
        data = [{"object": "embedding", "index": i, "embedding": stub.embed(t)} for i, t in enumerate(texts)]
        usage = {"prompt_tokens": 1, "total_tokens": 1}
        return JSONResponse({"object": "list", "data": data, "model": body["model"], "usage": usage})

    return app


@pytest.fixture
def openai_stub() -> Iterator[OpenAIStub]:
    """A running stand-in server; `stub.url` is the base_url to give the openai client."""
    import uvicorn

    stub = OpenAIStub()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(_stub_app(stub), log_level="warning", timeout_graceful_shutdown=1, lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.01)
    stub.url = f"http://127.0.0.1:{port}/v1"
    yield stub
    server.should_exit = True
    thread.join(timeout=5)
    sock.close()


@pytest.fixture
def answer() -> Callable[..., tuple[int, dict[str, Any]]]:
    """Builds a scripted chat completion: `answer(content, finish_reason="stop")`."""
    return completion


# --- The escape example of issue 13, with the facts the classifier's reader gives for it ---------------

CIPINANG = UnitRef(
    code="DKI-LAPAS-CIPINANG",
    name="Lapas Kelas I Cipinang",
    type="Lapas",
    unit_class="I",
    city="Jakarta Timur",
    region="DKI",
    region_name="Kanwil Ditjenpas DKI Jakarta",
)
ESCAPE_TEXT = (
    "Dua warga binaan melarikan diri pada Selasa dini hari sekitar pukul 03.00 WIB dengan memanjat "
    "tembok belakang. Petugas berkoordinasi dengan Polres Jakarta Timur untuk pengejaran."
)
# Tuesday 1 December 2026, 04:10 UTC = 11:10 WIB.
CLASSIFIED_AT = datetime(2026, 12, 1, 4, 10, tzinfo=UTC)


def read(kind: str, phrase: str, **fields: Any) -> ReadFact:
    """A fact read from ESCAPE_TEXT, quoting its exact span, as the classifier's reader gives it."""
    start = ESCAPE_TEXT.index(phrase)
    span = TextSpan(start=start, end=start + len(phrase), text=phrase)
    return ReadFact(fact_id=f"{kind}:{start}-{span.end}", kind=kind, value=phrase, span=span, **fields)


def _escape_readings(**status: Any) -> list[ReportReading]:
    facts = [
        read(
            "amount",
            "Dua warga binaan",
            detail="escapees",
            role="warga_binaan",
            amount=Amount(words="Dua", low=2, high=2, exact=True),
            **status,
        ),
        read("what", "melarikan diri", **status),
        read("when", "Selasa dini hari sekitar pukul 03.00 WIB", detail="day+part_of_day+clock", **status),
        read("how", "memanjat tembok belakang", sensitive=True, **status),
        read("where", "tembok belakang", detail="area", **status),
        read("who", "Polres", role="aph", **status),
    ]
    return [ReportReading(report_id=uuid.uuid4(), facts=facts)]


def _escape(make_incident: IncidentFactory, **overrides: Any) -> IncidentClassified:
    fields: dict[str, Any] = {
        "unit": CIPINANG,
        "text": ESCAPE_TEXT,
        "facts": Facts(),
        "impact": Impact(),
        "category": Category.ESCAPE,
        "secondary_categories": [],
        "level": 3,
        "occurred_at": CLASSIFIED_AT,
        "readings": _escape_readings(),
        "deadlines": {"holding_statement": 60, "press_release": 180},
    }
    fields.update(overrides)
    return make_incident(**fields)


@pytest.fixture
def escape_readings() -> Callable[..., list[ReportReading]]:
    """The readings of ESCAPE_TEXT; keyword arguments (status, verified) apply to every fact."""
    return _escape_readings


@pytest.fixture
def make_escape() -> Callable[..., IncidentClassified]:
    """Two inmates escape from Lapas Cipinang; every fact only read from the text (suggested)."""
    return lambda **overrides: _escape(_incident, **overrides)


# ---- a drafter on a real nats-server, and what it published ------------------------------------------


@pytest.fixture
async def drafter(nats_server: NatsServer, tmp_path: Path) -> AsyncIterator[Drafter]:
    settings = DrafterSettings(broker_url=nats_server.url, state_dir=tmp_path, qdrant_path=":memory:")
    drafter = Drafter.build(settings)
    await drafter.runtime.open()
    await drafter.open_library()
    await drafter.runtime.broker.start()
    yield drafter
    await drafter.runtime.broker.stop()
    await drafter.runtime.close()
    await drafter.store.close()


async def publish(drafter: Drafter, event: EventBase) -> None:
    # No message id: the broker cannot drop a second copy, so the consumer's own inbox must.
    await drafter.runtime.broker.publish(event.model_dump_json().encode(), event.subject, stream=STREAM_NAME)


async def settled(drafter: Drafter) -> None:
    """Wait until the consumers have handled everything and the relay has published every outbox row."""
    js = drafter.runtime.broker.config.connection_state.stream
    for _ in range(300):
        busy = False
        for name in CONSUMERS:
            info = await js.consumer_info(STREAM_NAME, durable_name("drafter", name))
            busy = busy or info.num_pending > 0 or info.num_ack_pending > 0
        async with drafter.runtime.sessions() as session:
            unpublished = await session.scalar(select(OutboxEntry).where(OutboxEntry.published_at.is_(None)))
        if not busy and unpublished is None:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the drafter did not settle")


async def in_stream(drafter: Drafter, subject: str, incident_id: uuid.UUID) -> list[bytes]:
    """Every event on `subject` about the incident, in stream order."""
    js = drafter.runtime.broker.config.connection_state.stream
    found: list[bytes] = []
    seq = 1
    while True:
        try:
            msg = await js.get_msg(STREAM_NAME, seq, subject=subject, next=True)
        except NotFoundError:
            return found
        if parse_event(msg.data or b"").incident_id == incident_id:
            found.append(msg.data or b"")
        seq = (msg.seq or seq) + 1
