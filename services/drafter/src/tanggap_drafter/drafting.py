"""The template drafter: from a classified incident and retrieved library items to checked drafts.

Every kind is drafted from the same grounded context (context.py) and the library material found for
the incident: fact-free key messages, stock passages written for the kind, and (for the LLM only)
approved drafts of the kind as examples.
"""

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from tanggap_drafter.checks import WORD_BUDGET, check_draft, word_count
from tanggap_drafter.context import INTERNAL_KINDS as INTERNAL
from tanggap_drafter.context import UPDATE_CADENCE, DraftContext, build_context, involves_children
from tanggap_drafter.facts import FactItem, reading_texts, unverified_reading_texts
from tanggap_drafter.known import Team, known_for
from tanggap_drafter.render import render
from tanggap_drafter.store import Retrieved
from tanggap_drafter.vocabulary import WORDING
from tanggap_drafter.wording import clean_fact
from tanggap_shared.contracts import Category, DraftKind
from tanggap_shared.events import Finding, IncidentClassified, LibraryRef

Method = Literal["template", "llm"]

HOLDING_KEY_MESSAGES = 2
# Cited when a public draft uses no library item: none of the incident's category (or generic) fits,
# so the draft is in Tanggap's neutral wording, never another category's message (issue 13).
NO_PRECEDENT = LibraryRef(
    id="tanggap:tanpa-preseden",
    title="Tanpa preseden untuk kategori ini: kalimat netral Tanggap",
    score=0.0,
)
PLAN_MESSAGES = 3
FACTS_PER_MESSAGE = 3


@dataclass(frozen=True)
class Draft:
    kind: DraftKind
    text: str
    sources: list[LibraryRef]
    findings: list[Finding]
    method: Method = "template"

    @property
    def blocking(self) -> int:
        return sum(f.severity == "blocking" for f in self.findings)


@dataclass(frozen=True)
class Material:
    """What the library gave for one incident: key messages, and per kind stock passages and examples."""

    messages: list[Retrieved] = field(default_factory=list)
    stock: Mapping[DraftKind, list[Retrieved]] = field(default_factory=dict)
    examples: Mapping[DraftKind, list[Retrieved]] = field(default_factory=dict)

    def stock_of(self, kind: DraftKind) -> list[Retrieved]:
        return list(self.stock.get(kind, []))


@dataclass(frozen=True)
class Extra:
    """What a kind needs beyond the incident: the other drafts (escalation), names a human gave (DPO),
    the timeline (evaluation). `known` are texts the facts-only rule accepts as sources; `vocabulary`
    names that are not persons to protect (officials who approved or closed)."""

    values: Mapping[str, Any] = field(default_factory=dict)
    known: Sequence[str] = ()
    names: Sequence[str] = ()
    vocabulary: Sequence[str] = ()
    team: Team | None = None


@dataclass(frozen=True)
class Rendered:
    text: str
    used: list[Retrieved]


def query_text(event: IncidentClassified) -> str:
    """What retrieval looks for: the report's own words plus the vocabulary of its category."""
    facts = event.report.facts
    values = [f.value for f in (facts.what, facts.who, facts.where, facts.how, facts.why) if f is not None]
    wording = WORDING[event.category]
    return " ".join([event.report.text, *values, wording.label, wording.query_terms])


def categories_of(event: IncidentClassified) -> list[Category]:
    """The categories whose library items suit the incident, the main one first."""
    return list(dict.fromkeys([event.category, *event.secondary_categories]))


def known_texts(event: IncidentClassified, team: Team | None = None) -> list[str]:
    """Everything a figure, date or name in a draft may legitimately come from: the report, its reading,
    the unit, the policy, and what Tanggap knows (today's date, the next update, the crisis team)."""
    facts = event.report.facts
    all_facts = (facts.what, facts.who, facts.when, facts.where, facts.why, facts.how)
    fact_values = [f.value for f in all_facts if f is not None]
    impact = event.report.impact
    numbers = [str(n) for n in (impact.deaths, impact.injuries, impact.escapees) if n is not None]
    policy = [str(event.level), *(str(v) for v in event.deadlines.values()), UPDATE_CADENCE[event.level]]
    # A fact as the drafter rewrites it ("Andi Saputra" → "AS") is as grounded as the fact itself.
    place = [event.unit.name, event.unit.city, event.unit.region_name]
    return [
        event.report.text,
        *fact_values,
        *(clean_fact(v, place) for v in fact_values),
        *numbers,
        *unit_texts(event),
        *event.report.links,
        *policy,
        *(r.text for r in event.reasons),
        *event.missing,
        *reading_texts(event),
        *known_for(event, team).texts(),
    ]


_QUOTED = re.compile(r"[“\"'‘][^”\"'’]*[”\"'’]")


def authored_by_tanggap(event: IncidentClassified) -> list[str]:
    """The classifier's own wording a draft carries (reasons, open questions), minus what they quote
    from the report: "Klaster SCCT" is Tanggap's term, a quoted name is still the report's."""
    return [_QUOTED.sub(" ", t) for t in (*(r.text for r in event.reasons), *event.missing)]


def unit_texts(event: IncidentClassified) -> list[str]:
    unit = event.unit
    return [unit.name, unit.city, unit.region_name, unit.unit_class, unit.type, unit.code]


def unverified_texts(event: IncidentClassified) -> list[str]:
    """Facts marked not verified, as the report gave them and as a draft would write them."""
    place = [event.unit.name, event.unit.city, event.unit.region_name]
    facts = event.report.facts
    every = (facts.what, facts.who, facts.when, facts.where, facts.why, facts.how)
    raw = [f.value for f in every if f is not None and not f.verified]
    return [*raw, *(clean_fact(v, place) for v in raw), *unverified_reading_texts(event)]


def _texts(items: Sequence[Retrieved]) -> list[str]:
    return [r.item.text for r in items]


def _empathy(ctx: DraftContext) -> str:
    if ctx.mourning:
        return "Kami berduka bersama keluarga yang ditinggalkan dan memahami kekhawatiran masyarakat."
    return (
        "Kami memahami kekhawatiran keluarga Warga Binaan dan masyarakat; "
        "keselamatan semua pihak adalah prioritas kami."
    )


def _three_messages(
    ctx: DraftContext, material: Material, kind: DraftKind
) -> tuple[list[str], list[Any], list[Retrieved]]:
    """Empathy first (CCO), then the kind's own stock message and the best key messages; facts shared
    out as support."""
    used = [*material.stock_of(kind)[:1], *material.messages][: PLAN_MESSAGES - 1]
    messages = [_empathy(ctx), *_texts(used)]
    messages += ["[diisi Humas UPT: pesan kunci: apa yang kami lakukan, mengapa, dan manfaatnya]"] * (
        PLAN_MESSAGES - len(messages)
    )
    # The amounts support the messages too, in the report's words and with their status.
    amounts = [FactItem("amount", "Jumlah", a.text, a.verified) for a in ctx.amounts]
    facts = [*ctx.facts, *amounts]
    support = [facts[i::PLAN_MESSAGES][:FACTS_PER_MESSAGE] for i in range(PLAN_MESSAGES)]
    return messages, support, used


def _holding_statement(ctx: DraftContext, material: Material, extra: Extra) -> Rendered:
    """As many key messages as the 150-word budget allows, but always one when the library has one."""
    candidates = [*material.stock_of(DraftKind.HOLDING_STATEMENT)[:1], *material.messages]
    high = WORD_BUDGET[DraftKind.HOLDING_STATEMENT][1]
    for n in range(min(HOLDING_KEY_MESSAGES, len(candidates)), 0, -1):
        used = candidates[:n]
        text = render(DraftKind.HOLDING_STATEMENT, ctx, _texts(used))
        if word_count(text) <= high:
            return Rendered(text, used)
    # A report rich in facts leaves no room for a stock passage: the facts come first (§6.7).
    return Rendered(render(DraftKind.HOLDING_STATEMENT, ctx, []), [])


def _press_release(ctx: DraftContext, material: Material, extra: Extra) -> Rendered:
    quote = material.messages[:1]
    follow_up = [*material.stock_of(DraftKind.PRESS_RELEASE)[:1], *material.messages[1:]]
    text = render(
        DraftKind.PRESS_RELEASE, ctx, _texts(follow_up), quote_message=quote[0].item.text if quote else ""
    )
    return Rendered(text, [*quote, *follow_up])


def _key_messages(ctx: DraftContext, material: Material, extra: Extra) -> Rendered:
    messages, support, used = _three_messages(ctx, material, DraftKind.KEY_MESSAGES)
    return Rendered(render(DraftKind.KEY_MESSAGES, ctx, [], messages=messages, support=support), used)


def _crisis_plan(ctx: DraftContext, material: Material, extra: Extra) -> Rendered:
    messages, support, used = _three_messages(ctx, material, DraftKind.KEY_MESSAGES)
    stock = material.stock_of(DraftKind.CRISIS_PLAN)[:1]
    text = render(DraftKind.CRISIS_PLAN, ctx, [], messages=messages, support=support, stock=_texts(stock))
    return Rendered(text, [*used, *stock])


# Values a kind's template expects from its Extra; a missing one shows as a placeholder.
_DEFAULT_VALUES: dict[str, Any] = {
    "attached": [],
    "timeline": ["[diisi Humas UPT: linimasa penanganan]"],
    "closing": "[diisi pemilik level: keputusan penutupan krisis]",
}


def _with_stock(
    kind: DraftKind, n_stock: int, n_messages: int
) -> Callable[[DraftContext, Material, Extra], Rendered]:
    """A kind rendered from its own stock passages and the best key messages."""

    def build(ctx: DraftContext, material: Material, extra: Extra) -> Rendered:
        stock = material.stock_of(kind)[:n_stock]
        messages = material.messages[:n_messages]
        values = {**_DEFAULT_VALUES, **extra.values}
        text = render(kind, ctx, _texts(messages), stock=_texts(stock), **values)
        return Rendered(text, [*messages, *stock])

    return build


def _social_post(ctx: DraftContext, material: Material, extra: Extra) -> Rendered:
    chosen = (material.stock_of(DraftKind.SOCIAL_POST) or material.messages)[:1]
    main = (
        chosen[0].item.text
        if chosen
        else "Kami sedang menangani kejadian ini dan akan menyampaikan informasi resmi."
    )
    return Rendered(render(DraftKind.SOCIAL_POST, ctx, [], main=main), chosen)


def _dpo_notice(ctx: DraftContext, material: Material, extra: Extra) -> Rendered:
    # The stock passage for children never names anyone; the general one suits adults.
    stock = [r for r in material.stock_of(DraftKind.DPO_NOTICE) if ("Anak" in r.item.text) == ctx.children][
        :1
    ]
    names = [] if ctx.children else list(extra.names)
    return Rendered(render(DraftKind.DPO_NOTICE, ctx, [], stock=_texts(stock), names=names), stock)


Builder = Callable[[DraftContext, Material, Extra], Rendered]

BUILDERS: dict[DraftKind, Builder] = {
    DraftKind.HOLDING_STATEMENT: _holding_statement,
    DraftKind.PRESS_RELEASE: _press_release,
    DraftKind.KEY_MESSAGES: _key_messages,
    DraftKind.QA: _with_stock(DraftKind.QA, 2, 3),
    DraftKind.SOCIAL_POST: _social_post,
    DraftKind.CLARIFICATION: _with_stock(DraftKind.CLARIFICATION, 1, 1),
    DraftKind.RIGHT_OF_REPLY: _with_stock(DraftKind.RIGHT_OF_REPLY, 1, 0),
    DraftKind.DPO_NOTICE: _dpo_notice,
    DraftKind.ESCALATION_REPORT: _with_stock(DraftKind.ESCALATION_REPORT, 1, 0),
    DraftKind.CRISIS_PLAN: _crisis_plan,
    DraftKind.EVALUATION_REPORT: _with_stock(DraftKind.EVALUATION_REPORT, 1, 0),
}


def context_for(event: IncidentClassified, kind: DraftKind, team: Team | None = None) -> DraftContext:
    return build_context(event, "internal" if kind in INTERNAL else "public", team)


def check(
    event: IncidentClassified, kind: DraftKind, text: str, used: Sequence[Retrieved], extra: Extra = Extra()
) -> list[Finding]:
    """The checks of DOMAIN.md §6.8 for one draft of this incident, whichever path wrote it."""
    return check_draft(
        kind,
        text,
        known=[*known_texts(event, extra.team), *extra.known],
        unverified=unverified_texts(event),
        children=involves_children(event),
        names_allowed=list(extra.names) if kind == DraftKind.DPO_NOTICE else [],
        vocabulary=[
            *_texts(used),
            *unit_texts(event),
            *extra.vocabulary,
            *authored_by_tanggap(event),
            *(extra.team.names() if extra.team else []),
        ],
        generated=known_for(event, extra.team).texts(),
    )


def template_draft(
    event: IncidentClassified, kind: DraftKind, material: Material, extra: Extra = Extra()
) -> Draft:
    """One kind through its template, checked and citing its sources."""
    rendered = BUILDERS[kind](context_for(event, kind, extra.team), material, extra)
    sources = [r.ref() for r in rendered.used]
    if not sources and kind not in INTERNAL:
        sources = [NO_PRECEDENT]
    return Draft(
        kind=kind,
        text=rendered.text,
        sources=sources,
        findings=check(event, kind, rendered.text, rendered.used, extra),
    )


def compose_drafts(
    event: IncidentClassified,
    material: Material,
    kinds: Sequence[DraftKind] = (DraftKind.HOLDING_STATEMENT, DraftKind.PRESS_RELEASE),
    extra: Mapping[DraftKind, Extra] | None = None,
) -> list[Draft]:
    """The template drafts of `kinds`, in that order."""
    extras = extra or {}
    return [template_draft(event, kind, material, extras.get(kind, Extra())) for kind in kinds]
