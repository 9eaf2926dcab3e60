"""classify(): crisis flag, level 1-4, category, reasons, SCCT cluster, confidence and open questions for
one report (or an incident's reports). Pure: no I/O, no clock.

Highest criterion wins (DOMAIN.md §6.2): every rule that fires gives a floor level with a reason in
Bahasa Indonesia, the six axes of the severity matrix among them; the modifiers then add a step,
capped at 4, unless the fact behind a modifier is what set the base level already; a report about a
hoax counts only its spread, and a low-reach hoax is capped at 1. A report with nothing negative left
after negation and good-news polarity is not a crisis: it is still classified (level 1, usually
`routine`) but nobody needs to respond or be paged.

Facts an LLM extracted (`Context.llm`) are one more source of signals beside the text and the
self-assessment answers; the answers win where both exist, and an LLM fact can only add a floor or a
modifier, so it can raise a level but never lower one (and `classify` checks that it did not).
"""

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from tanggap_classifier.explain import (
    Evidence,
    Findings,
    confidence,
    missing_questions,
    scct_cluster,
    scct_reason,
)
from tanggap_classifier.facts import Context, LlmFacts
from tanggap_classifier.lexicon import TEXT_MODIFIERS, CategoryHit, Reading, SignalHit, lexicon_for
from tanggap_classifier.matrix import AxisResult, Observed, score_axes
from tanggap_classifier.policy import (
    Cluster,
    ModifierRule,
    Policy,
    PositiveRule,
    RecurrenceRule,
    SignalName,
    Tier,
)
from tanggap_shared.contracts import Category, MediaReach
from tanggap_shared.events import Impact, Reason, ReportSnapshot, UnitRef

MAX_LEVEL = 4
SIGNALS: tuple[SignalName, ...] = ("deaths", "escapees", "injuries")
REACH_ORDER = [MediaReach.INTERNAL, MediaReach.LOCAL, MediaReach.REGIONAL, MediaReach.NATIONAL]
WIDE_REACH = {MediaReach.REGIONAL, MediaReach.NATIONAL}
# Criteria that still count when the report is about a hoax: how far it spread, and human answers.
HOAX_COUNTED = ("category.viral", "impact.", "llm.media_reach", "matrix.sebaran")
CAUSE_CATEGORIES = {Category.VIOLENCE, Category.UNREST, Category.DISASTER, Category.DRUGS, Category.TERRORISM}
SELF_HARM = {"gantung diri", "bunuh diri"}


class Classification(BaseModel):
    """The outcome for one report or incident, as carried by `incident.classified`."""

    model_config = ConfigDict(frozen=True)

    crisis: bool
    level: int = Field(ge=1, le=MAX_LEVEL)
    category: Category
    secondary_categories: list[Category] = []
    reasons: list[Reason] = []
    deadlines: dict[str, int] = {}
    policy_version: str
    scct_cluster: Cluster | None = None
    confidence: float = Field(default=0.5, ge=0, le=1)
    missing: list[str] = []
    axes: dict[str, int] = Field(default={}, description="Severity matrix scores 0-3 by axis.")
    assessor: Literal["rules", "llm"] = "rules"
    needs_review: bool = Field(
        default=False, description="'Perlu ditinjau': not a crisis, not clearly routine."
    )
    review_reasons: list[str] = []
    hard: bool = Field(
        default=False, description="Deaths, escapees or a severe keyword: lifts a 'not a crisis' triage."
    )


def classify(
    unit: UnitRef,
    report: ReportSnapshot,
    recent_incidents: int,
    policy: Policy,
    context: Context | None = None,
) -> Classification:
    """Classify a report of `unit`; `recent_incidents` counts other incidents there in the last 12 months."""
    context = context or Context()
    reading = lexicon_for(policy).read(report_text(report))
    result = _Case(policy, reading, unit, report, recent_incidents, context).classify()
    if context.llm is None:
        return result
    rules_only = _Case(policy, reading, unit, report, recent_incidents, replace_llm(context)).classify()
    if result.level < rules_only.level or (rules_only.crisis and not result.crisis):
        # Cannot happen with facts that only add floors; kept as the guarantee the policy promises.
        note = Reason(
            code="assessor.ignored",
            text="Penilaian LLM akan menurunkan level; diabaikan (LLM hanya boleh menaikkan level)",
            level=0,
        )
        return rules_only.model_copy(update={"reasons": [*rules_only.reasons, note], "assessor": "llm"})
    return result


def replace_llm(context: Context) -> Context:
    return context.model_copy(update={"llm": None})


def report_text(report: ReportSnapshot) -> str:
    """The free text plus the 5W+1H answers, one per line (each line is its own sentence)."""
    facts = report.facts
    answers = [f.value for f in (facts.what, facts.who, facts.when, facts.where, facts.why, facts.how) if f]
    return "\n".join([report.text, *answers])


def facts_verified(report: ReportSnapshot) -> bool:
    facts = report.facts
    return any(
        f.verified for f in (facts.what, facts.who, facts.when, facts.where, facts.why, facts.how) if f
    )


@dataclass(frozen=True)
class _Signal:
    """A death/escape/injury count, from the text, the impact answers or the LLM."""

    name: SignalName
    count: int
    tier: Tier
    source: str  # "text" | "impact" | "llm"
    triggers: list[str]
    counted: bool  # the source said how many
    words: str = ""  # the report's own words for a count read from the text ("ratusan napi")
    exact: bool = True  # False for a range such as "puluhan"


def _quote(phrases: Iterable[str]) -> str:
    return ", ".join(f'"{p}"' for p in dict.fromkeys(phrases))


def _reason(code: str, text: str, level: int, triggers: Iterable[str]) -> Reason:
    return Reason(code=code, text=text, level=level, triggers=list(dict.fromkeys(triggers)))


def _tier(tiers: list[Tier], count: int) -> Tier | None:
    found = [t for t in tiers if t.min <= count]
    return found[-1] if found else None


def _covers(code: str, prefixes: Iterable[str]) -> bool:
    return any(code == p or code.startswith(p if p.endswith(".") else p + ".") for p in prefixes)


class _Case:
    """One report being classified; methods are the steps of the policy."""

    def __init__(
        self,
        policy: Policy,
        reading: Reading,
        unit: UnitRef,
        report: ReportSnapshot,
        recent_incidents: int,
        context: Context,
    ) -> None:
        self.policy = policy
        self.reading = reading
        self.unit = unit
        self.report = report
        self.impact = report.impact
        self.recent = recent_incidents
        self.context = context
        self.llm: LlmFacts | None = context.llm
        # Good-news words count only when nothing wrong was found ("sidak" that found a luxury cell).
        self.voided = reading.positives if reading.wrongdoing else []
        self.positives = [] if reading.wrongdoing else reading.positives
        # Another unit's past event told as background: its keywords are not this report's incident.
        background = policy.background
        self.background_categories = (
            set(background.categories) if background and reading.background else set()
        )
        hits = [h for h in reading.keywords if not h.context]
        self.background_hits = [h for h in hits if h.category in self.background_categories]
        hits = [h for h in hits if h.category not in self.background_categories]
        self.hits = [h if h.category == Category.ROUTINE else self._neutralise(h) for h in hits]
        self.negative = [h for h in self.hits if h.category != Category.ROUTINE and h.neutralised_by is None]
        self.neutralised = [h for h in self.hits if h.neutralised_by is not None]
        self.routine = [h for h in self.hits if h.category == Category.ROUTINE]
        self.context_hits = [h for h in reading.keywords if h.context]
        self.hoax = bool(reading.hoax)
        self.reach = self._reach()
        self.signals = self._signals()

    # --- polarity -------------------------------------------------------------------------------

    def _neutraliser(self, category: Category | None, level: int, sentence: int) -> PositiveRule | None:
        if category is None:
            return None
        doc = self.reading.doc
        for rule, hit in self.positives:
            same_place = rule.scope == "text" or doc.tokens[hit.start].sentence == sentence
            if category in rule.neutralises and level <= rule.max_level and same_place:
                return rule
        return None

    def _neutralise(self, hit: CategoryHit) -> CategoryHit:
        return replace(hit, neutralised_by=self._neutraliser(hit.category, hit.level, hit.sentence))

    @property
    def positive_context(self) -> bool:
        return bool(self.positives or self.routine or self.neutralised)

    # --- signals: deaths, escapees, injuries; media reach ---------------------------------------

    def _reach(self) -> tuple[MediaReach, str, str] | None:
        """The media reach (value, trigger, source): the answer, else what the LLM read."""
        if self.impact.media_reach is not None:
            return self.impact.media_reach, f"impact.media_reach={self.impact.media_reach.value}", "impact"
        if self.llm is not None and self.llm.media_reach is not None:
            return self.llm.media_reach, f"llm.media_reach={self.llm.media_reach.value}", "llm"
        return None

    def _signals(self) -> list[_Signal]:
        found: list[_Signal] = []
        for name in SIGNALS:
            tiers: list[Tier] = getattr(self.policy.impact, name)
            found += self._text_signal(name, tiers)
            answer: int | None = getattr(self.impact, name)
            tier = _tier(tiers, answer or 0)
            if answer and tier:
                found.append(_Signal(name, answer, tier, "impact", [f"impact.{name}={answer}"], True))
            extracted: int | None = getattr(self.llm, name) if self.llm else None
            tier = _tier(tiers, extracted or 0)
            if answer is None and extracted and tier:
                found.append(_Signal(name, extracted, tier, "llm", [f"llm.{name}={extracted}"], True))
        return self._natural_deaths(found)

    def _text_signal(self, name: SignalName, tiers: list[Tier]) -> list[_Signal]:
        category = self.policy.text_signals[name].category
        if category in self.background_categories:
            return []
        kept: list[tuple[SignalHit, int, Tier]] = []
        for hit in self.reading.signals.get(name, []):
            count = hit.count.value if hit.count else 1
            tier = _tier(tiers, count)
            if tier and self._neutraliser(category, tier.level, hit.sentence) is None:
                kept.append((hit, count, tier))
        if not kept:
            return []
        best, count, tier = max(kept, key=lambda k: k[1])
        tier = self._unresolved(name, tier)
        counted = any(h.count is not None for h, _, _ in kept)
        words = best.count.words if best.count else ""
        exact = best.count.exact if best.count else True
        triggers = [h.trigger for h, _, _ in kept]
        return [_Signal(name, count, tier, "text", triggers, counted, words, exact)]

    def _unresolved(self, name: SignalName, tier: Tier) -> Tier:
        """An outcome the text does not state is the worse case (an escape, no word on a recapture)."""
        rule = self.policy.text_signals[name].unresolved
        if rule is None or tier.level >= rule.level:
            return tier
        if self.reading.resolved.get(name) or self.reading.rumour.get(name):
            return tier
        return Tier(min=tier.min, level=rule.level, text=rule.text)

    def _natural_deaths(self, signals: list[_Signal]) -> list[_Signal]:
        """One death from illness or age is held at the policy's lower level (DOMAIN.md §6.2)."""
        rule = self.policy.text_signals["deaths"].natural_causes
        deaths = [s for s in signals if s.name == "deaths"]
        if rule is None or not deaths or not self.reading.natural_causes:
            return signals
        # Several deaths are one incident's "multiple fatalities", unless counted over a period.
        several = max(s.count for s in deaths) > 1 and not self.reading.tally
        if several or any(h.category in rule.unless for h in self.negative):
            return signals
        if self.reading.suspicious:  # "kejanggalan", a family that suspects abuse: not held lower
            return signals
        causes = [h.phrase for h in self.reading.natural_causes]
        tier = Tier(
            min=1, level=min(rule.level, deaths[0].tier.level), text=f"{rule.text} ({_quote(causes)})"
        )
        # The death keywords themselves ("meninggal dunia") are held at the same level.
        self.negative = [
            replace(h, level=min(h.level, tier.level)) if h.category == Category.DEATH else h
            for h in self.negative
        ]
        return [replace(s, tier=tier) if s.name == "deaths" else s for s in signals]

    @property
    def hard_signals(self) -> bool:
        return bool(self.signals) or self.context.spike is not None

    @property
    def soft_signals(self) -> bool:
        i, llm = self.impact, self.llm
        flags = [i.children_involved, i.officers_involved, i.video_exists]
        if llm is not None:
            flags += [llm.children_involved, llm.officers_involved, llm.video_exists]
        return (self.reach is not None and self.reach[0] in WIDE_REACH) or any(flags)

    # --- the decision ---------------------------------------------------------------------------

    def classify(self) -> Classification:
        crisis = bool(self.negative or self.hard_signals or (self.soft_signals and not self.positive_context))
        if not crisis:
            return self._not_a_crisis()
        fired = self._fired_modifiers()
        axes = self._axes(fired)
        criteria, demoted = self._split_hoax(
            sorted([*self._criteria(), *self._axis_reasons(axes)], key=lambda r: -r.level)
        )
        base = max((r.level for r in criteria), default=1)
        modifier_reasons, level = self._modifiers(base, criteria, fired)
        cap = self._hoax_cap(level)
        if cap is not None:
            level = min(level, cap.level)
        reasons = [*criteria, self._matrix_summary(axes), *modifier_reasons, *([cap] if cap else [])]
        reasons += [*demoted, *self._notes()]
        no_match = not self.negative and not any(s.source == "text" for s in self.signals)
        if no_match:
            reasons.insert(0, self._no_match_reason(crisis=True))
        primary, secondary = self._categories(hoax=self.hoax)
        findings = self._findings(primary, level, fired, axes)
        cluster, why = scct_cluster(self.policy, findings)
        missing = missing_questions(self.policy, findings, self.impact, facts_verified(self.report))
        evidence = Evidence(
            crisis=True,
            counted=self._counted(criteria, base),
            corroborating=len(
                {r.code for r in criteria if r.level == base and not r.code.startswith("matrix")}
            ),
            impact_answered=self.impact != Impact(),
            verified=facts_verified(self.report),
            llm=self.llm is not None,
            missing=len(missing),
            hedged=bool(self.reading.hedges),
            mixed=bool(self.neutralised or self.positives),
            no_match=no_match,
            good_news=False,
        )
        value, confidence_reason = confidence(self.policy, evidence)
        reasons += [scct_reason(self.policy, cluster, why), *self._assessor_notes(), confidence_reason]
        return Classification(
            crisis=True,
            level=level,
            category=primary,
            secondary_categories=secondary,
            reasons=reasons,
            deadlines=dict(self.policy.deadlines[level]),
            policy_version=self.policy.version,
            scct_cluster=cluster,
            confidence=value,
            missing=missing,
            axes={a.axis: a.score for a in axes},
            assessor="llm" if self.llm is not None else "rules",
            hard=self._hard(),
        )

    def _not_a_crisis(self) -> Classification:
        reasons = [*self._positive_reasons(), *self._notes()]
        if not self.positive_context:
            reasons.insert(0, self._no_match_reason(crisis=False))
            # Not a crisis is routine (the label schema says so); what the words hint at is secondary.
            context = self._context_category()
            primary = Category.ROUTINE
            secondary: list[Category] = [context] if context else []
        else:
            primary = Category.ROUTINE
            topics = {h.category for h in (*self.neutralised, *self.context_hits)} - {Category.ROUTINE}
            secondary = sorted(topics, key=self.policy.priority)
        evidence = Evidence(
            crisis=False,
            counted=False,
            corroborating=0,
            impact_answered=False,
            verified=False,
            llm=self.llm is not None,
            missing=0,
            hedged=False,
            mixed=bool(self.neutralised and self.negative),
            no_match=not self.positive_context,
            good_news=self.positive_context,
        )
        value, confidence_reason = confidence(self.policy, evidence)
        review = self._review_reasons(value)
        if review:
            text = "Perlu ditinjau: " + "; ".join(review) + " → belum dinyatakan krisis, mohon putuskan"
            reasons.insert(0, _reason("needs_review", text, 1, self.reading.wrongdoing))
        return Classification(
            crisis=False,
            level=1,
            category=primary,
            secondary_categories=secondary,
            needs_review=bool(review),
            review_reasons=review,
            reasons=[*reasons, *self._assessor_notes(), confidence_reason],
            deadlines={},
            policy_version=self.policy.version,
            confidence=value,
            assessor="llm" if self.llm is not None else "rules",
        )

    def _review_reasons(self, value: float) -> list[str]:
        """Why a report that is not a crisis is not clearly routine either (empty: close as routine)."""
        rules = self.policy.review
        reasons: list[str] = []
        if self.reading.wrongdoing:
            good = [h.phrase for _, h in self.voided] + [h.phrase for h in self.routine]
            context = f"Kata konteks positif ({_quote(good)}) bersama tanda" if good else "Tanda"
            reasons.append(f"{context} pelanggaran ({_quote(self.reading.wrongdoing)})")
        if not self.positive_context and (not self.context_hits or rules.context_only):
            reasons.append("Tidak cocok dengan kategori mana pun")
        if value < rules.min_confidence:
            reasons.append(f"Keyakinan rendah ({value:.2f})".replace(".", ","))
        return reasons

    def _hard(self) -> bool:
        """Hard signals: a death or an escape counted, or a keyword at the policy's severe level."""
        floor = self.policy.triage.hard_min_keyword_level
        severe = any(h.level >= floor for h in self.negative)
        return severe or any(s.name in ("deaths", "escapees") for s in self.signals)

    def _counted(self, criteria: list[Reason], base: int) -> bool:
        at_base = [r for r in criteria if r.level == base]
        counted_signal = any(s.counted and s.tier.level == base for s in self.signals)
        severe = any(h.level > self.policy.categories[h.category].base_level for h in self.negative)
        return counted_signal or severe or any(r.code.startswith(("impact.", "amplifier.")) for r in at_base)

    # --- criteria: each gives a floor level -----------------------------------------------------

    def _criteria(self) -> list[Reason]:
        return [
            *self._category_reasons(),
            *self._signal_reasons(),
            *self._reach_reasons(),
            *self._amplifiers(),
        ]

    def _split_hoax(self, criteria: list[Reason]) -> tuple[list[Reason], list[Reason]]:
        """In a report about a hoax, what the false claim says happened does not count; its spread does."""
        if not self.hoax:
            return criteria, []
        kept = [r for r in criteria if _covers(r.code, HOAX_COUNTED)]
        claimed = [r for r in criteria if r not in kept]
        if not claimed:
            return kept, []
        phrases = [t for r in claimed for t in r.triggers]
        text = f"Isi kabar yang disebut hoaks tidak dihitung sebagai kejadian: {_quote(phrases)}"
        return kept, [_reason("hoax_claims", text, 0, phrases)]

    def _category_reasons(self) -> list[Reason]:
        reasons = []
        for category in sorted({h.category for h in self.negative}, key=self.policy.priority):
            hits = [h for h in self.negative if h.category == category and not self._explained(h)]
            if not hits:
                continue
            level = max(h.level for h in hits)
            phrases = [h.phrase for h in sorted(hits, key=lambda h: (-h.level, h.start))]
            name = self.policy.categories[category].name
            text = f"Kata kunci kategori {name}: {_quote(phrases)} → minimal Level {level}"
            reasons.append(_reason(f"category.{category.value}", text, level, phrases))
        return reasons

    def _explained(self, hit: CategoryHit) -> bool:
        """A keyword already explained by a death/escape/injury reason at least as high is not repeated."""
        for signal in self.signals:
            if signal.source != "text" or signal.tier.level < hit.level:
                continue
            for sh in self.reading.signals.get(signal.name, []):
                if sh.start < hit.end and hit.start < sh.end:
                    return True
        return False

    def _signal_reasons(self) -> list[Reason]:
        reasons = []
        for s in self.signals:
            if s.source == "impact":
                text = f"Penilaian dampak: {s.tier.text} ({s.count} orang) → minimal Level {s.tier.level}"
            elif s.source == "llm":
                text = f"Penilai LLM: {s.tier.text} ({s.count} orang) → minimal Level {s.tier.level}"
            elif s.counted and s.words:
                text = f"{s.tier.text} ({s.words}, {_quote(s.triggers)}) → minimal Level {s.tier.level}"
            else:
                text = f"{s.tier.text} ({_quote(s.triggers)}) → minimal Level {s.tier.level}"
            reasons.append(_reason(f"{s.source}.{s.name}", text, s.tier.level, s.triggers))
        return reasons

    def _reach_reasons(self) -> list[Reason]:
        if self.reach is None:
            return []
        reach, trigger, source = self.reach
        rule = self.policy.impact.media_reach[reach]
        who = "Penilaian dampak" if source == "impact" else "Penilai LLM"
        text = f"{who}: {rule.text} → minimal Level {rule.level}"
        return [_reason(f"{source}.media_reach", text, rule.level, [trigger])]

    def _amplifiers(self) -> list[Reason]:
        reasons = []
        for rule in self.policy.amplifiers:
            phrases = [h.phrase for r, h in self.reading.amplifiers if r.code == rule.code]
            if phrases:
                text = f"{rule.text} ({_quote(phrases)}) → minimal Level {rule.level}"
                reasons.append(_reason(f"amplifier.{rule.code}", text, rule.level, phrases))
        return reasons

    # --- the severity matrix --------------------------------------------------------------------

    def _axes(self, fired: list[tuple[str, str, list[str]]]) -> list[AxisResult]:
        signals: dict[SignalName, tuple[int, list[str]]] = {}
        for s in self.signals:
            level, triggers = signals.get(s.name, (0, []))
            signals[s.name] = (max(level, s.tier.level), [*triggers, *s.triggers])
        spike = self.context.spike
        seen = Observed(
            negative=self.negative,
            signals=signals,
            modifiers={code: triggers for code, _, triggers in fired},
            reach=(self.reach[0], self.reach[1]) if self.reach else None,
            spike=f"media.spike_detected: {spike.described()}" if spike else None,
            phrases=self.reading.axis_phrases,
        )
        return score_axes(self.policy.severity_matrix, seen, hoax=self.hoax)

    def _axis_reasons(self, axes: list[AxisResult]) -> list[Reason]:
        return [
            _reason(
                f"matrix.{a.axis}",
                f"Matriks keparahan – {a.name}: skor {a.score} ({a.label}) → minimal Level {a.level}",
                a.level,
                a.triggers,
            )
            for a in axes
            if a.score > 0
        ]

    def _matrix_summary(self, axes: list[AxisResult]) -> Reason:
        scores = ", ".join(f"{a.name} {a.score}" for a in axes)
        level = max(a.level for a in axes)
        return _reason("matrix", f"Matriks keparahan (0-3): {scores} → Level {level}", level, [])

    # --- modifiers and the hoax cap -------------------------------------------------------------

    def _modifier_rule(self, code: str) -> ModifierRule | RecurrenceRule:
        rule: ModifierRule | RecurrenceRule = getattr(self.policy.modifiers, code)
        return rule

    def _modifiers(
        self, base: int, criteria: list[Reason], fired: list[tuple[str, str, list[str]]]
    ) -> tuple[list[Reason], int]:
        at_base = [r.code for r in criteria if r.level == base]
        adding, absorbed = [], []
        for entry in fired:
            prefixes = self._modifier_rule(entry[0]).absorbed_by
            if prefixes and at_base and all(_covers(code, prefixes) for code in at_base):
                absorbed.append(entry)
            else:
                adding.append(entry)
        notes = [
            _reason(
                f"modifier.{code}.absorbed",
                f"Faktor pemberat {text.lower()} ({_quote(triggers)}) tidak menambah level: "
                f"sudah terhitung dalam {', '.join(at_base)}",
                0,
                triggers,
            )
            for code, text, triggers in absorbed
        ]
        if not adding:
            return notes, base
        mods = self.policy.modifiers
        bump = mods.step * (len(adding) if mods.stacking else 1)
        level = min(MAX_LEVEL, base + bump)
        reasons = [
            _reason(
                f"modifier.{code}",
                f"Faktor pemberat: {text} ({_quote(triggers)}) → naik {mods.step} level",
                level,
                triggers,
            )
            for code, text, triggers in adding
        ]
        summary = f"Faktor pemberat menaikkan Level {base} → Level {level}"
        if base + bump > MAX_LEVEL:
            summary += f" (batas tertinggi Level {MAX_LEVEL})"
        if len(adding) > 1 and not mods.stacking:
            summary += "; beberapa faktor pemberat tidak dijumlahkan"
        reasons.append(_reason("modifiers", summary, level, [c for c, _, _ in adding]))
        return [*reasons, *notes], level

    def _fired_modifiers(self) -> list[tuple[str, str, list[str]]]:
        fired: list[tuple[str, str, list[str]]] = []
        for name in TEXT_MODIFIERS:
            rule = getattr(self.policy.modifiers, name)
            answer: bool | None = getattr(self.impact, name)
            if answer is False:  # the self-assessment said no: trust it over a word in the text
                continue
            triggers = [f"impact.{name}=true"] if answer else []
            if not self.hoax:  # words inside a false claim are not facts
                triggers += [h.phrase for h in self.reading.modifiers.get(name, [])]
                if self.llm is not None and getattr(self.llm, name):
                    triggers.append(f"llm.{name}=true")
            if self.unit.type.upper() in {t.upper() for t in rule.unit_types}:
                triggers.append(f"unit.type={self.unit.type}")
            if triggers:
                fired.append((name, rule.text, list(dict.fromkeys(triggers))))
        recurrence = self.policy.modifiers.recurrence
        if self.recent >= recurrence.min_recent_incidents:
            fired.append(("recurrence", recurrence.text, [f"recent_incidents_at_unit={self.recent}"]))
        return fired

    def _hoax_cap(self, level: int) -> Reason | None:
        rule = self.policy.hoax
        if not self.hoax:
            return None
        reach = self.reach[0] if self.reach else None
        if reach is not None and REACH_ORDER.index(reach) > REACH_ORDER.index(rule.max_reach):
            return None
        widely_seen = any(h.category == Category.VIRAL and h.level >= 3 for h in self.negative)
        if widely_seen or any(s.source == "impact" for s in self.signals) or self.context.spike:
            return None
        phrases = [h.phrase for h in self.reading.hoax]
        text = f"{rule.text} ({_quote(phrases)}) → dibatasi Level {rule.cap_level}"
        return _reason("hoax_cap", text, min(level, rule.cap_level), phrases)

    # --- explanation inputs ---------------------------------------------------------------------

    def _findings(
        self, primary: Category, level: int, fired: list[tuple[str, str, list[str]]], axes: list[AxisResult]
    ) -> Findings:
        fired_codes = {code for code, _, _ in fired}
        by_axis = {a.axis: a.score for a in axes}
        death_hits = self.reading.signals.get("deaths", [])
        categories = frozenset(h.category for h in self.negative)
        keamanan = self.reading.axis_phrases
        outcome = any(v for (axis, score, _), v in keamanan.items() if axis == "keamanan" and score >= 2)
        return Findings(
            primary=primary,
            categories=categories,
            officers=not self.hoax and ("officers_involved" in fired_codes or by_axis.get("pelaku", 0) >= 2),
            children=not self.hoax and "children_involved" in fired_codes,
            hoax=self.hoax,
            natural_disaster=bool(self.reading.natural_disaster),
            deaths=any(s.name == "deaths" for s in self.signals),
            death_words_in_text=bool(death_hits) or Category.DEATH in categories,
            death_cause_known=bool(self.reading.natural_causes)
            or bool(categories & CAUSE_CATEGORIES)
            or any(h.phrase in SELF_HARM for h in death_hits),
            injury_words_in_text=bool(self.reading.signals.get("injuries")),
            escape=Category.ESCAPE in categories or any(s.name == "escapees" for s in self.signals),
            escape_outcome_known=outcome,
            video_known=bool(self.reading.modifiers.get("video_exists")),
            spike=self.context.spike is not None,
            level=level,
            vague={s.name: s.words for s in self.signals if s.source == "text" and not s.exact and s.words},
        )

    def _assessor_notes(self) -> list[Reason]:
        if self.llm is not None:
            text = f"Penilai LLM membaca laporan ({self.llm.described()}); kebijakan tetap menentukan level"
            return [_reason("assessor.llm", text, 0, ["assessor=llm"])]
        if self.context.assessor_failure:
            text = f"{self.context.assessor_failure}; level ditentukan oleh aturan saja"
            return [_reason("assessor.fallback", text, 0, ["assessor=rules"])]
        return []

    # --- categories -----------------------------------------------------------------------------

    def _categories(self, *, hoax: bool) -> tuple[Category, list[Category]]:
        scores: dict[Category, tuple[int, int]] = {}
        for category in {h.category for h in self.negative}:
            hits = [h for h in self.negative if h.category == category]
            scores[category] = (max(h.level for h in hits), len({h.phrase for h in hits}))
        for s in self.signals:
            implied = self.policy.text_signals[s.name].category
            if implied is not None:
                level, n = scores.get(implied, (0, 0))
                scores[implied] = (max(level, s.tier.level), n)
        if self.impact.media_reach in WIDE_REACH and Category.VIRAL not in scores:
            scores[Category.VIRAL] = (self.policy.impact.media_reach[self.impact.media_reach].level, 0)
        consequences = set(self.policy.consequence_categories)
        if hoax:  # the story is the false claim: answered by a klarifikasi hoaks
            consequences.discard(Category.VIRAL)
            scores[Category.VIRAL] = (MAX_LEVEL + 1, 0)
        ranked = sorted(
            scores, key=lambda c: (c in consequences, -scores[c][0], -scores[c][1], self.policy.priority(c))
        )
        primary = ranked[0] if ranked else self._fallback_category()
        topics = list(ranked[1:])
        topics += sorted({h.category for h in self.neutralised} - set(ranked), key=self.policy.priority)
        return primary, [c for c in topics if c not in (primary, Category.ROUTINE)]

    def _fallback_category(self) -> Category:
        """Nothing named a category: an injury suggests violence, media words suggest viral."""
        for s in self.signals:
            fallback = self.policy.text_signals[s.name].fallback_category
            if fallback is not None:
                return fallback
        return self._context_category() or Category.VIRAL

    def _context_category(self) -> Category | None:
        if not self.context_hits:
            return None
        return min({h.category for h in self.context_hits}, key=self.policy.priority)

    # --- informative reasons --------------------------------------------------------------------

    def _positive_reasons(self) -> list[Reason]:
        reasons = []
        # Name the rules that actually turned a topic into good news; else every rule that matched once.
        used = {h.neutralised_by.code for h in self.neutralised if h.neutralised_by}
        shown: set[str] = set()
        for rule in self.policy.positive:
            phrases = [h.phrase for r, h in self.positives if r.code == rule.code]
            if (used and rule.code not in used) or (not used and shown.issuperset(phrases)):
                continue
            shown.update(phrases)
            if phrases:
                text = f"{rule.text} ({_quote(phrases)}) → bukan krisis, Level 1"
                reasons.append(_reason(f"positive.{rule.code}", text, 1, phrases))
        if self.routine:
            phrases = [h.phrase for h in self.routine]
            name = self.policy.categories[Category.ROUTINE].name
            text = f"Kata kunci kategori {name}: {_quote(phrases)} → bukan krisis, Level 1"
            reasons.append(_reason("category.routine", text, 1, phrases))
        return reasons

    def _notes(self) -> list[Reason]:
        notes = []
        for category in sorted({h.category for h in self.neutralised}, key=self.policy.priority):
            hits = [h for h in self.neutralised if h.category == category]
            rule = hits[0].neutralised_by
            name = self.policy.categories[category].name
            context = f": {rule.text}" if rule else ""
            phrases = [h.phrase for h in hits]
            text = (
                f"Topik {name} ({_quote(phrases)}) muncul dalam konteks positif{context}"
                " → tidak dihitung sebagai krisis"
            )
            notes.append(_reason(f"neutralised.{category.value}", text, 0, phrases))
        if self.background_hits and self.policy.background:
            phrases = [*self.reading.background, *(h.phrase for h in self.background_hits)]
            text = f"{self.policy.background.text} ({_quote(phrases)}) → tidak dihitung sebagai kejadian"
            notes.append(_reason("background", text, 0, phrases))
        if self.reading.negated:
            text = f"Disangkal dalam teks, tidak dihitung: {_quote(self.reading.negated)}"
            notes.append(_reason("negated", text, 0, self.reading.negated))
        return notes

    def _no_match_reason(self, *, crisis: bool) -> Reason:
        text = "Teks laporan tidak cocok dengan kata kunci kategori mana pun"
        context = self._context_category()
        triggers = [h.phrase for h in self.context_hits]
        if context is not None:
            name = self.policy.categories[context].name
            text += f"; kategori {name} dipilih dari kata {_quote(triggers)}"
        if crisis:
            text += "; level ditentukan dari jawaban penilaian dampak"
        else:
            text += " dan tidak ada sinyal dampak → bukan krisis, Level 1; mohon tinjau manual"
        return _reason("no_match", text, 1, triggers)
