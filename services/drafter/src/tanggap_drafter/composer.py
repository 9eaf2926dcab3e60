"""Drafts for one incident: library material, template drafts, and the LLM path on top when configured.

The template drafts are always made first; they are the fallback of every LLM call and the skeleton the
model is asked to complete. LLM calls run concurrently (bounded) under one deadline per incident, so a
slow model costs at most the deadline before the template drafts go out.
"""

import asyncio
import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import structlog

from tanggap_drafter.context import INTERNAL_KINDS, KIND_LABELS
from tanggap_drafter.drafting import (
    Draft,
    Extra,
    Material,
    categories_of,
    check,
    compose_drafts,
    context_for,
    query_text,
)
from tanggap_drafter.items import KEY_MESSAGE
from tanggap_drafter.known import Team
from tanggap_drafter.llm import LlmDrafter, LlmRequest
from tanggap_drafter.render import collapse_blank_lines
from tanggap_drafter.store import KeyMessageStore, QueryVectors, Retrieved, Reuse, Scope
from tanggap_shared.contracts import DraftKind
from tanggap_shared.events import Finding, IncidentClassified

log = structlog.get_logger("tanggap.drafter")

STOCK_PER_KIND = 2
EXAMPLES_PER_KIND = 2


@dataclass(frozen=True)
class LlmLimits:
    concurrency: int = 2
    deadline_seconds: float = 45.0


class Composer:
    """Turns an incident and a list of kinds into checked drafts."""

    def __init__(
        self,
        store: KeyMessageStore,
        llm: LlmDrafter | None = None,
        *,
        top_k: int = 3,
        limits: LlmLimits = LlmLimits(),
    ) -> None:
        self._store = store
        self._llm = llm
        self._top_k = top_k
        self._limits = limits

    async def material(self, event: IncidentClassified, kinds: Sequence[DraftKind]) -> Material:
        """Key messages for the incident, and stock passages (and examples, for the LLM) per kind."""
        query = await self._store.vectors(query_text(event))
        scope = Scope(unit=event.unit.code, region=event.unit.region)
        # Key messages feed public drafts: the incident's own category or generic ones, nothing else.
        messages = await self._store.search(
            query, [event.category], kinds=[KEY_MESSAGE], scope=scope, limit=self._top_k, strict=True
        )
        stock: dict[DraftKind, list[Retrieved]] = {}
        examples: dict[DraftKind, list[Retrieved]] = {}
        for kind in kinds:
            stock[kind] = await self._search(query, event, kind, "verbatim", STOCK_PER_KIND, scope)
            if self._llm is not None:
                examples[kind] = await self._search(query, event, kind, "example", EXAMPLES_PER_KIND, scope)
        return Material(messages=messages, stock=stock, examples=examples)

    async def _search(
        self,
        query: QueryVectors,
        event: IncidentClassified,
        kind: DraftKind,
        reuse: Reuse,
        limit: int,
        scope: Scope,
    ) -> list[Retrieved]:
        public = kind not in INTERNAL_KINDS
        # A public kind only on its incident's category (or generic items); an internal one may also
        # use the secondary categories' items.
        categories = [event.category] if public else categories_of(event)
        return await self._store.search(
            query, categories, kinds=[kind.value], reuse=reuse, scope=scope, limit=limit, strict=public
        )

    @property
    def uses_llm(self) -> bool:
        return self._llm is not None

    async def templates(
        self,
        event: IncidentClassified,
        kinds: Sequence[DraftKind],
        extras: Mapping[DraftKind, Extra] | None = None,
        team: Team | None = None,
    ) -> tuple[list[Draft], Material | None]:
        """Checked template drafts, and the material an LLM would improve them with."""
        if not kinds:
            return [], None
        extras = with_team(kinds, extras, team)
        material = await self.material(event, kinds)
        # Rendering and checking is CPU work (stemming, regexes); off the event loop.
        return await asyncio.to_thread(compose_drafts, event, material, kinds, extras), material

    async def improvements(
        self,
        event: IncidentClassified,
        material: Material | None,
        templates: list[Draft],
        extras: Mapping[DraftKind, Extra] | None = None,
        team: Team | None = None,
    ) -> list[Draft]:
        """The LLM's versions of the templates that it managed before the deadline (checked too)."""
        if self._llm is None or material is None or not templates:
            return []
        kinds = [d.kind for d in templates]
        improved = await self._improve(event, material, templates, with_team(kinds, extras, team))
        return [d for d in improved if d.method == "llm"]

    async def drafts(
        self,
        event: IncidentClassified,
        kinds: Sequence[DraftKind],
        extras: Mapping[DraftKind, Extra] | None = None,
        team: Team | None = None,
    ) -> list[Draft]:
        """One draft per kind: the LLM's where it answered in time, else the template."""
        extras = with_team(kinds, extras, team)
        templates, material = await self.templates(event, kinds, extras)
        if self._llm is None or material is None:
            return templates
        return await self._improve(event, material, templates, extras)

    async def _improve(
        self,
        event: IncidentClassified,
        material: Material,
        drafts: list[Draft],
        extras: Mapping[DraftKind, Extra],
    ) -> list[Draft]:
        llm = self._llm
        if llm is None:
            return drafts
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._limits.deadline_seconds
        gate = asyncio.Semaphore(self._limits.concurrency)

        async def improve(template: Draft) -> Draft:
            extra = extras.get(template.kind, Extra())
            examples = list(material.examples.get(template.kind, []))
            request = _request(event, template, material, examples, extra)
            async with gate:
                remaining = deadline - loop.time()
                text = None
                if remaining > 0:
                    try:
                        text = await asyncio.wait_for(llm.draft(request), remaining)
                    except TimeoutError:
                        log.warning("drafter.llm_deadline", kind=template.kind.value)
            if text is None:
                return template
            return await asyncio.to_thread(_llm_draft, event, template, text, material, examples, extra)

        return list(await asyncio.gather(*(improve(d) for d in drafts)))


def with_team(
    kinds: Sequence[DraftKind], extras: Mapping[DraftKind, Extra] | None, team: Team | None
) -> dict[DraftKind, Extra]:
    """Every kind's Extra, carrying the crisis team when one is known (a kind's own team stands)."""
    out = dict(extras or {})
    if team is None:
        return out
    for kind in kinds:
        extra = out.get(kind, Extra())
        out[kind] = extra if extra.team is not None else dataclasses.replace(extra, team=team)
    return out


def _used(template: Draft, material: Material) -> list[Retrieved]:
    """The library items behind a template draft, by the ids it cites."""
    by_id = {r.item.id: r for r in [*material.messages, *(r for rs in material.stock.values() for r in rs)]}
    return [by_id[s.id] for s in template.sources if s.id in by_id]


def _request(
    event: IncidentClassified,
    template: Draft,
    material: Material,
    examples: list[Retrieved],
    extra: Extra,
) -> LlmRequest:
    ctx = context_for(event, template.kind, extra.team)
    return LlmRequest(
        kind=template.kind,
        kind_label=KIND_LABELS[template.kind],
        skeleton=template.text,
        facts=[
            *(
                {
                    "butir": f.label,
                    "isi": f.text,
                    "status": "terverifikasi" if f.verified else "belum terverifikasi",
                }
                for f in ctx.facts
            ),
            *(
                {"butir": "Jumlah", "isi": text, "status": "belum terverifikasi"}
                for text in ctx.hedged_amounts
            ),
        ],
        impact=ctx.confirmed_amounts,
        # The checks' view of the skeleton: what the model must complete or keep as it is.
        findings=[f.message for f in template.findings if f.severity != "info"],
        withheld=ctx.withheld,
        unknowns=ctx.unknowns,
        key_messages=[r.item.text for r in _used(template, material)],
        examples=[r.item.text for r in examples],
        report_text=event.report.text,
        children=ctx.children,
        public=ctx.audience == "public",
        names_allowed=list(extra.names) if template.kind == DraftKind.DPO_NOTICE else [],
    )


def _llm_draft(
    event: IncidentClassified,
    template: Draft,
    text: str,
    material: Material,
    examples: list[Retrieved],
    extra: Extra,
) -> Draft:
    text = collapse_blank_lines(text)
    used = _used(template, material)
    # Approved example drafts are the model's reading, not wording it may reuse: their names and figures
    # are not vocabulary, so anything it copies from them is flagged like any invention.
    findings = check(event, template.kind, text, used, extra)
    added = _added_blocking(template, findings)
    if added:
        # Decision (issue 13, item 7): a model that invents a number, date or name, states a suggestion
        # as fact, or adds anything else blocking is not proposed; the template draft (same facts, same
        # checks) stands alone. An officer should never have to find a model's inventions to delete them.
        log.warning(
            "drafter.llm_rejected",
            kind=template.kind.value,
            findings=sorted({f.code for f in added}),
        )
        return template
    return Draft(
        kind=template.kind,
        text=text,
        sources=[*template.sources, *(r.ref() for r in examples)],
        findings=findings,
        method="llm",
    )


def _added_blocking(template: Draft, findings: list[Finding]) -> list[Finding]:
    """Blocking findings of the model's text that the template's text did not have already."""
    known = {(f.code, f.excerpt) for f in template.findings if f.severity == "blocking"}
    return [f for f in findings if f.severity == "blocking" and (f.code, f.excerpt) not in known]
