"""classify(): crisis flag, level 1-4, category and reasons for one report. Pure: no I/O, no clock.

Highest criterion wins (DOMAIN.md §6.2): every rule that fires gives a floor level with a reason in
Bahasa Indonesia; the modifiers then add a step, capped at 4; a low-reach hoax is capped last. A
report with nothing negative left after negation and good-news polarity is not a crisis: it is still
classified (level 1, usually `routine`) but nobody needs to respond or be paged.
"""

from collections.abc import Iterable
from dataclasses import dataclass, replace

from pydantic import BaseModel, ConfigDict, Field

from tanggap_classifier.lexicon import TEXT_MODIFIERS, CategoryHit, Reading, SignalHit, lexicon_for
from tanggap_classifier.policy import Policy, PositiveRule, SignalName, Tier
from tanggap_shared.contracts import Category, MediaReach
from tanggap_shared.events import Impact, Reason, ReportSnapshot, UnitRef

MAX_LEVEL = 4
SIGNALS: tuple[SignalName, ...] = ("deaths", "escapees", "injuries")
REACH_ORDER = [MediaReach.INTERNAL, MediaReach.LOCAL, MediaReach.REGIONAL, MediaReach.NATIONAL]
WIDE_REACH = {MediaReach.REGIONAL, MediaReach.NATIONAL}


class Classification(BaseModel):
    """The outcome for one report, as carried by `incident.classified`."""

    model_config = ConfigDict(frozen=True)

    crisis: bool
    level: int = Field(ge=1, le=MAX_LEVEL)
    category: Category
    secondary_categories: list[Category] = []
    reasons: list[Reason] = []
    deadlines: dict[str, int] = {}
    policy_version: str


def classify(unit: UnitRef, report: ReportSnapshot, recent_incidents: int, policy: Policy) -> Classification:
    """Classify a report of `unit`; `recent_incidents` counts other incidents there in the last 12 months."""
    reading = lexicon_for(policy).read(report_text(report))
    return _Case(policy, reading, unit, report.impact, recent_incidents).classify()


def report_text(report: ReportSnapshot) -> str:
    """The free text plus the 5W+1H answers, one per line (each line is its own sentence)."""
    facts = report.facts
    answers = [f.value for f in (facts.what, facts.who, facts.when, facts.where, facts.why, facts.how) if f]
    return "\n".join([report.text, *answers])


@dataclass(frozen=True)
class _Signal:
    """A death/escape/injury count, from the text or from the impact answers."""

    name: SignalName
    count: int
    tier: Tier
    source: str  # "text" | "impact"
    triggers: list[str]
    counted: bool  # the text said how many


def _quote(phrases: Iterable[str]) -> str:
    return ", ".join(f'"{p}"' for p in dict.fromkeys(phrases))


def _reason(code: str, text: str, level: int, triggers: Iterable[str]) -> Reason:
    return Reason(code=code, text=text, level=level, triggers=list(dict.fromkeys(triggers)))


def _tier(tiers: list[Tier], count: int) -> Tier | None:
    found = [t for t in tiers if t.min <= count]
    return found[-1] if found else None


class _Case:
    """One report being classified; methods are the steps of the policy."""

    def __init__(
        self, policy: Policy, reading: Reading, unit: UnitRef, impact: Impact, recent_incidents: int
    ) -> None:
        self.policy = policy
        self.reading = reading
        self.unit = unit
        self.impact = impact
        self.recent = recent_incidents
        hits = [h for h in reading.keywords if not h.context]
        self.hits = [h if h.category == Category.ROUTINE else self._neutralise(h) for h in hits]
        self.negative = [h for h in self.hits if h.category != Category.ROUTINE and h.neutralised_by is None]
        self.neutralised = [h for h in self.hits if h.neutralised_by is not None]
        self.routine = [h for h in self.hits if h.category == Category.ROUTINE]
        self.context = [h for h in reading.keywords if h.context]
        self.signals = self._signals()

    # --- polarity -------------------------------------------------------------------------------

    def _neutraliser(self, category: Category | None, level: int, sentence: int) -> PositiveRule | None:
        if category is None:
            return None
        doc = self.reading.doc
        for rule, hit in self.reading.positives:
            same_place = rule.scope == "text" or doc.tokens[hit.start].sentence == sentence
            if category in rule.neutralises and level <= rule.max_level and same_place:
                return rule
        return None

    def _neutralise(self, hit: CategoryHit) -> CategoryHit:
        return replace(hit, neutralised_by=self._neutraliser(hit.category, hit.level, hit.sentence))

    @property
    def positive_context(self) -> bool:
        return bool(self.reading.positives or self.routine or self.neutralised)

    # --- signals: deaths, escapees, injuries ----------------------------------------------------

    def _signals(self) -> list[_Signal]:
        found: list[_Signal] = []
        for name in SIGNALS:
            tiers: list[Tier] = getattr(self.policy.impact, name)
            found += self._text_signal(name, tiers)
            answer: int | None = getattr(self.impact, name)
            tier = _tier(tiers, answer or 0)
            if answer and tier:
                found.append(_Signal(name, answer, tier, "impact", [f"impact.{name}={answer}"], True))
        return found

    def _text_signal(self, name: SignalName, tiers: list[Tier]) -> list[_Signal]:
        category = self.policy.text_signals[name].category
        kept: list[tuple[SignalHit, int, Tier]] = []
        for hit in self.reading.signals.get(name, []):
            count = hit.count.value if hit.count else 1
            tier = _tier(tiers, count)
            if tier and self._neutraliser(category, tier.level, hit.sentence) is None:
                kept.append((hit, count, tier))
        if not kept:
            return []
        _, count, tier = max(kept, key=lambda k: k[1])
        counted = any(h.count is not None for h, _, _ in kept)
        return [_Signal(name, count, tier, "text", [h.trigger for h, _, _ in kept], counted)]

    @property
    def hard_signals(self) -> bool:
        return bool(self.signals)

    @property
    def soft_signals(self) -> bool:
        i = self.impact
        return i.media_reach in WIDE_REACH or any((i.children_involved, i.officers_involved, i.video_exists))

    # --- the decision ---------------------------------------------------------------------------

    def classify(self) -> Classification:
        crisis = bool(self.negative or self.hard_signals or (self.soft_signals and not self.positive_context))
        if not crisis:
            return self._not_a_crisis()
        criteria = sorted(self._criteria(), key=lambda r: -r.level)
        base = max((r.level for r in criteria), default=1)
        modifier_reasons, level = self._modifiers(base)
        cap = self._hoax_cap(level)
        if cap is not None:
            level = cap.level
        reasons = [*criteria, *modifier_reasons, *([cap] if cap else []), *self._notes()]
        if not self.negative and not any(s.source == "text" for s in self.signals):
            reasons.insert(0, self._no_match_reason(crisis=True))
        primary, secondary = self._categories(hoax=cap is not None)
        return Classification(
            crisis=True,
            level=level,
            category=primary,
            secondary_categories=secondary,
            reasons=reasons,
            deadlines=dict(self.policy.deadlines[level]),
            policy_version=self.policy.version,
        )

    def _not_a_crisis(self) -> Classification:
        reasons = [*self._positive_reasons(), *self._notes()]
        if not self.positive_context:
            reasons.insert(0, self._no_match_reason(crisis=False))
            context = self._context_category()
            primary = context or Category.ROUTINE
            secondary: list[Category] = []
        else:
            primary = Category.ROUTINE
            topics = {h.category for h in (*self.neutralised, *self.context)} - {Category.ROUTINE}
            secondary = sorted(topics, key=self.policy.priority)
        return Classification(
            crisis=False,
            level=1,
            category=primary,
            secondary_categories=secondary,
            reasons=reasons,
            deadlines={},
            policy_version=self.policy.version,
        )

    # --- criteria: each gives a floor level -----------------------------------------------------

    def _criteria(self) -> list[Reason]:
        return [
            *self._category_reasons(),
            *self._signal_reasons(),
            *self._reach_reasons(),
            *self._amplifiers(),
        ]

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
            elif s.counted:
                text = f"{s.tier.text} ({s.count} orang, {_quote(s.triggers)}) → minimal Level {s.tier.level}"
            else:
                text = f"{s.tier.text} ({_quote(s.triggers)}) → minimal Level {s.tier.level}"
            reasons.append(_reason(f"{s.source}.{s.name}", text, s.tier.level, s.triggers))
        return reasons

    def _reach_reasons(self) -> list[Reason]:
        reach = self.impact.media_reach
        if reach is None:
            return []
        rule = self.policy.impact.media_reach[reach]
        text = f"Penilaian dampak: {rule.text} → minimal Level {rule.level}"
        return [_reason("impact.media_reach", text, rule.level, [f"impact.media_reach={reach.value}"])]

    def _amplifiers(self) -> list[Reason]:
        reasons = []
        for rule in self.policy.amplifiers:
            phrases = [h.phrase for r, h in self.reading.amplifiers if r.code == rule.code]
            if phrases:
                text = f"{rule.text} ({_quote(phrases)}) → minimal Level {rule.level}"
                reasons.append(_reason(f"amplifier.{rule.code}", text, rule.level, phrases))
        return reasons

    # --- modifiers and the hoax cap -------------------------------------------------------------

    def _modifiers(self, base: int) -> tuple[list[Reason], int]:
        fired = self._fired_modifiers()
        if not fired:
            return [], base
        mods = self.policy.modifiers
        bump = mods.step * (len(fired) if mods.stacking else 1)
        level = min(MAX_LEVEL, base + bump)
        reasons = [
            _reason(
                f"modifier.{code}",
                f"Faktor pemberat: {text} ({_quote(triggers)}) → naik {mods.step} level",
                level,
                triggers,
            )
            for code, text, triggers in fired
        ]
        summary = f"Faktor pemberat menaikkan Level {base} → Level {level}"
        if base + bump > MAX_LEVEL:
            summary += f" (batas tertinggi Level {MAX_LEVEL})"
        if len(fired) > 1 and not mods.stacking:
            summary += "; beberapa faktor pemberat tidak dijumlahkan"
        reasons.append(_reason("modifiers", summary, level, [c for c, _, _ in fired]))
        return reasons, level

    def _fired_modifiers(self) -> list[tuple[str, str, list[str]]]:
        fired: list[tuple[str, str, list[str]]] = []
        for name in TEXT_MODIFIERS:
            rule = getattr(self.policy.modifiers, name)
            answer: bool | None = getattr(self.impact, name)
            if answer is False:  # the self-assessment said no: trust it over a word in the text
                continue
            triggers = [f"impact.{name}=true"] if answer else []
            triggers += [h.phrase for h in self.reading.modifiers.get(name, [])]
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
        reach = self.impact.media_reach
        if not self.reading.hoax or level <= rule.cap_level:
            return None
        if reach is not None and REACH_ORDER.index(reach) > REACH_ORDER.index(rule.max_reach):
            return None
        widely_seen = any(h.category == Category.VIRAL and h.level >= 3 for h in self.negative)
        if widely_seen or any(s.source == "impact" for s in self.signals):
            return None
        phrases = [h.phrase for h in self.reading.hoax]
        text = f"{rule.text} ({_quote(phrases)}) → dibatasi Level {rule.cap_level}"
        return _reason("hoax_cap", text, rule.cap_level, phrases)

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
        if not self.context:
            return None
        return min({h.category for h in self.context}, key=self.policy.priority)

    # --- informative reasons --------------------------------------------------------------------

    def _positive_reasons(self) -> list[Reason]:
        reasons = []
        # Name the rules that actually turned a topic into good news; else every rule that matched once.
        used = {h.neutralised_by.code for h in self.neutralised if h.neutralised_by}
        shown: set[str] = set()
        for rule in self.policy.positive:
            phrases = [h.phrase for r, h in self.reading.positives if r.code == rule.code]
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
        if self.reading.negated:
            text = f"Disangkal dalam teks, tidak dihitung: {_quote(self.reading.negated)}"
            notes.append(_reason("negated", text, 0, self.reading.negated))
        return notes

    def _no_match_reason(self, *, crisis: bool) -> Reason:
        text = "Teks laporan tidak cocok dengan kata kunci kategori mana pun"
        context = self._context_category()
        triggers = [h.phrase for h in self.context]
        if context is not None:
            name = self.policy.categories[context].name
            text += f"; kategori {name} dipilih dari kata {_quote(triggers)}"
        if crisis:
            text += "; level ditentukan dari jawaban penilaian dampak"
        else:
            text += " dan tidak ada sinyal dampak → bukan krisis, Level 1; mohon tinjau manual"
        return _reason("no_match", text, 1, triggers)
