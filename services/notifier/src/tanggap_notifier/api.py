"""The directory API, served by the notifier's own ASGI app on TANGGAP_HTTP_PORT.

For operators on the internal network only: the intake is Tanggap's one public port. When
TANGGAP_BOOTSTRAP_API_KEY is set, every request needs `Authorization: Bearer <key>`.

Every write validates the whole directory it would leave (deputies exist, someone at the centre,
channels Apprise can load) and then republishes the crisis team of each open incident that changed.
"""

import hmac
from typing import Any

import structlog
from fastapi import Depends, FastAPI, HTTPException, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from tanggap_notifier.directory import CODE_PATTERN, Directory, DirectoryError, Person, parse_directory
from tanggap_notifier.handlers import take_write_lock
from tanggap_notifier.incidents import open_crisis_states, refresh_team
from tanggap_notifier.people import load_people, store_directory
from tanggap_notifier.routing import RoutingPolicy
from tanggap_notifier.sender import Sender
from tanggap_shared.contracts import Role, Tier
from tanggap_shared.runtime import Runtime

PREFIX = "/v1/directory"

log = structlog.get_logger("tanggap.notifier")


class PersonIn(BaseModel):
    """A person's fields without the id (the id is in the path)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    role: Role
    tier: Tier
    unit: str | None = Field(default=None, pattern=CODE_PATTERN)
    region: str | None = Field(default=None, pattern=CODE_PATTERN)
    deputies: list[str] = []
    channels: list[str] = []


def _problems(errors: list[Any]) -> list[dict[str, str]]:
    return [
        {
            "field": ".".join(str(p) for p in err.get("loc", ()) if p != "body") or "(body)",
            "message": str(err.get("msg", "")),
        }
        for err in errors
    ]


def _invalid(message: str, problems: list[dict[str, str]] | None = None) -> HTTPException:
    return HTTPException(status_code=422, detail={"message": message, "problems": problems or []})


class DirectoryApi:
    def __init__(
        self, runtime: Runtime, *, policy: RoutingPolicy, sender: Sender, api_key: str | None
    ) -> None:
        self._runtime = runtime
        self._policy = policy
        self._sender = sender
        self._api_key = api_key

    async def authorize(self, request: Request) -> None:
        if not self._api_key:
            return
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise HTTPException(
                status_code=401,
                detail="Missing API key: send the header 'Authorization: Bearer <key>'.",
                headers={"WWW-Authenticate": "Bearer"},
            )
        if not hmac.compare_digest(token.strip().encode(), self._api_key.encode()):
            raise HTTPException(status_code=403, detail="This API key is not valid.")

    def _check(self, people: list[Person]) -> Directory:
        try:
            directory = parse_directory({"people": [p.model_dump() for p in people]}, source="(API)")
        except DirectoryError as exc:
            raise _invalid(str(exc).removeprefix("crisis-team directory (API) is invalid: ")) from None
        bad = self._sender.invalid_urls(directory.all_channels())
        if bad:
            raise _invalid(f"Apprise cannot load these channels: {', '.join(bad)}")
        return directory

    async def write(self, change: Any) -> None:
        """Apply `change(people) -> people` to the stored directory, validated, and refresh open teams."""
        async with self._runtime.unit_of_work() as session:
            await take_write_lock(session)
            directory = self._check(change(await load_people(session)))
            await store_directory(session, directory)
            await self._refresh_teams(session, directory)

    async def _refresh_teams(self, session: AsyncSession, directory: Directory) -> None:
        changed = 0
        for state in await open_crisis_states(session):
            changed += await refresh_team(session, state, directory, self._policy)
        if changed:
            log.info("notifier.teams_refreshed", incidents=changed)

    async def people(self) -> list[Person]:
        async with self._runtime.sessions() as session:
            return await load_people(session)

    async def one(self, person_id: str) -> Person:
        found = next((p for p in await self.people() if p.id == person_id), None)
        if found is None:
            raise HTTPException(status_code=404, detail=f"No person with id {person_id!r} in the directory.")
        return found


def _replace(people: list[Person], person: Person) -> list[Person]:
    return [person if p.id == person.id else p for p in people]


def create_directory_api(api: DirectoryApi) -> FastAPI:
    app = FastAPI(
        title="Tanggap notifier: crisis-team directory (internal network only)",
        docs_url=f"{PREFIX}/docs",
        openapi_url=f"{PREFIX}/openapi.json",
        redoc_url=None,
    )
    guarded = [Depends(api.authorize)]

    @app.exception_handler(RequestValidationError)
    async def _unprocessable(_request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = _problems(list(exc.errors()))
        return JSONResponse(
            status_code=422,
            content={"detail": {"message": "The request is not valid.", "problems": problems}},
        )

    @app.get(f"{PREFIX}/people", dependencies=guarded)
    async def list_people(
        role: Role | None = None, tier: Tier | None = None, unit: str | None = None, region: str | None = None
    ) -> list[Person]:
        return [
            p
            for p in await api.people()
            if (role is None or p.role is role)
            and (tier is None or p.tier is tier)
            and (unit is None or p.unit == unit)
            and (region is None or p.region == region)
        ]

    @app.get(f"{PREFIX}/people/{{person_id}}", dependencies=guarded)
    async def get_person(person_id: str) -> Person:
        return await api.one(person_id)

    @app.post(f"{PREFIX}/people", status_code=201, dependencies=guarded)
    async def create_person(person: Person) -> Person:
        def add(people: list[Person]) -> list[Person]:
            if any(p.id == person.id for p in people):
                raise HTTPException(
                    status_code=409, detail=f"Person id {person.id!r} exists; use PUT to change it."
                )
            return [*people, person]

        await api.write(add)
        log.info("notifier.person_created", person_id=person.id)
        return person

    @app.put(f"{PREFIX}/people/{{person_id}}", dependencies=guarded)
    async def update_person(person_id: str, body: PersonIn) -> Person:
        try:
            person = Person.model_validate({"id": person_id, **body.model_dump()})
        except ValidationError as exc:
            raise _invalid("The person is not valid.", _problems(list(exc.errors()))) from None
        await api.one(person_id)
        await api.write(lambda people: _replace(people, person))
        log.info("notifier.person_updated", person_id=person_id)
        return person

    @app.delete(f"{PREFIX}/people/{{person_id}}", status_code=204, dependencies=guarded)
    async def delete_person(person_id: str) -> Response:
        await api.one(person_id)
        await api.write(lambda people: [p for p in people if p.id != person_id])
        log.info("notifier.person_deleted", person_id=person_id)
        return Response(status_code=204)

    return app
