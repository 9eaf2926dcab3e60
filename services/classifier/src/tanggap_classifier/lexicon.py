"""The policy's phrases compiled into matchers once, and the reading of one text against them."""

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from tanggap_classifier.policy import (
    AXES,
    AmplifierRule,
    AxisName,
    ModifierRule,
    Policy,
    PositiveRule,
    SignalName,
)
from tanggap_classifier.stemming import stem
from tanggap_classifier.text import (
    Count,
    Document,
    Hit,
    Matcher,
    Stemmer,
    count_near,
    negated,
    phrase_tokens,
    read,
)
from tanggap_shared.contracts import Category

TextModifier = Literal["children_involved", "officers_involved", "video_exists"]
TEXT_MODIFIERS: tuple[TextModifier, ...] = ("children_involved", "officers_involved", "video_exists")


@dataclass(frozen=True)
class KeywordRef:
    """What a keyword means for one category: its level, or a weak `context` hint."""

    category: Category
    level: int
    context: bool = False


@dataclass(frozen=True)
class CategoryHit:
    category: Category
    level: int
    phrase: str
    start: int
    end: int
    sentence: int
    context: bool
    neutralised_by: PositiveRule | None = None


@dataclass(frozen=True)
class SignalHit:
    phrase: str
    start: int
    end: int
    sentence: int
    count: Count | None
    trigger: str


@dataclass
class Reading:
    """Everything the policy found in one text, after negation (neutralisation is decided later)."""

    doc: Document
    keywords: list[CategoryHit] = field(default_factory=list)
    positives: list[tuple[PositiveRule, Hit[None]]] = field(default_factory=list)
    signals: dict[SignalName, list[SignalHit]] = field(default_factory=dict)
    amplifiers: list[tuple[AmplifierRule, Hit[None]]] = field(default_factory=list)
    modifiers: dict[TextModifier, list[Hit[None]]] = field(default_factory=dict)
    hoax: list[Hit[None]] = field(default_factory=list)
    negated: list[str] = field(default_factory=list)
    # severity-matrix phrase evidence: (axis, score, evidence index) → phrases found
    axis_phrases: dict[tuple[AxisName, int, int], list[str]] = field(default_factory=dict)
    natural_causes: list[Hit[None]] = field(default_factory=list)
    suspicious: list[str] = field(default_factory=list)  # doubts about a cause of death
    tally: list[str] = field(default_factory=list)  # deaths counted over a period ("selama 2017")
    background: list[str] = field(default_factory=list)  # another unit's past event ("belajar dari")
    # per signal: the words stating its outcome ("ditangkap kembali"), and rumour words ("beredar kabar")
    resolved: dict[SignalName, list[str]] = field(default_factory=dict)
    rumour: dict[SignalName, list[str]] = field(default_factory=dict)
    natural_disaster: list[str] = field(default_factory=list)
    hedges: list[str] = field(default_factory=list)
    wrongdoing: list[str] = field(default_factory=list)  # signs that something wrong was found


class Lexicon:
    """Matchers for every phrase list of a policy."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        lang = policy.language
        self.stemmer: Stemmer | None = stem if lang.stemming else None
        self.stem_stoplist = frozenset(w for p in lang.stem_stoplist for w in phrase_tokens(p))
        self.keywords = Matcher(_keyword_entries(policy), _keyword_excludes(policy), self.stemmer)
        self.positives = [
            (rule, self._phrases(rule.phrases), self._phrases(rule.unless)) for rule in policy.positive
        ]
        self.amplifiers = [
            (
                rule,
                self._phrases(rule.phrases),
                (self._phrases(rule.requires), self._phrases(rule.also_requires)),
                self._phrases(rule.unless),
            )
            for rule in policy.amplifiers
        ]
        self.signals = {
            name: self._phrases(sig.phrases, sig.exclude) for name, sig in policy.text_signals.items()
        }
        mods = policy.modifiers
        rules: dict[TextModifier, ModifierRule] = {
            "children_involved": mods.children_involved,
            "officers_involved": mods.officers_involved,
            "video_exists": mods.video_exists,
        }
        self.modifiers = {name: self._phrases(rule.phrases) for name, rule in rules.items()}
        self.hoax = self._phrases(policy.hoax.phrases)
        self.combos = [
            (
                KeywordRef(category, combo.level),
                self._phrases(combo.phrases),
                self._phrases(combo.requires),
                self._phrases(combo.unless),
            )
            for category, rule in policy.categories.items()
            for combo in rule.combos
        ]
        self.wrongdoing = [
            (self._phrases(sign.phrases), self._phrases(sign.requires), self._phrases(sign.unless))
            for sign in policy.review.wrongdoing
        ]
        self.axes = {
            (axis, score, i): (
                self._phrases(ev.phrases),
                self._phrases(ev.requires),
                self._phrases(ev.unless),
            )
            for axis in AXES
            for score, rule in policy.severity_matrix.axis(axis).scores.items()
            for i, ev in enumerate(rule.evidence)
            if ev.phrases
        }
        natural = policy.text_signals["deaths"].natural_causes
        self.natural_causes = self._phrases(natural.phrases if natural else [])
        self.suspicious = self._phrases(natural.suspicious if natural else [])
        self.tally = self._phrases(natural.tally if natural else [])
        bg = policy.background
        self.background = (self._phrases(bg.phrases if bg else []), self._phrases(bg.unless if bg else []))
        self.unresolved = {
            name: (self._phrases(sig.unresolved.resolved_by), self._phrases(sig.unresolved.unless))
            for name, sig in policy.text_signals.items()
            if sig.unresolved is not None
        }
        self.natural_disaster = self._phrases(policy.scct.natural_disaster_phrases)
        self.hedges = self._phrases(policy.confidence.hedges)
        self.negators = Matcher((p, None) for p in lang.negators)
        self.post_negators = Matcher((p, None) for p in lang.post_negators)
        self.person_first = frozenset(phrase_tokens(p)[0] for p in lang.person_nouns)
        self.vocabulary = self._vocabulary()

    def _phrases(self, phrases: Iterable[str], exclude: Iterable[str] = ()) -> Matcher[None]:
        return Matcher(((p, None) for p in phrases), exclude, self.stemmer)

    def _vocabulary(self) -> frozenset[str]:
        matchers: list[Matcher[None]] = [self.hoax, self.negators, self.post_negators]
        matchers += [m for _, p, u in self.positives for m in (p, u)] + list(self.signals.values())
        matchers += [m for _, a, (r, r2), u in self.amplifiers for m in (a, r, r2, u)]
        matchers += list(self.modifiers.values())
        matchers += [m for triple in self.axes.values() for m in triple]
        matchers += [m for _, a, r, u in self.combos for m in (a, r, u)]
        matchers += [m for triple in self.wrongdoing for m in triple]
        matchers += [self.natural_causes, self.suspicious, self.tally, self.natural_disaster, self.hedges]
        matchers += [m for pair in self.unresolved.values() for m in pair] + list(self.background)
        words = set(self.keywords.vocabulary) | self.person_first
        for matcher in matchers:
            words |= matcher.vocabulary
        return frozenset(words)

    def read(self, text: str) -> Reading:
        """Find every phrase of the policy in `text`; negated terms are dropped (and remembered)."""
        doc = read(text, self.vocabulary, self.stemmer, self.stem_stoplist)
        keyword_hits = [(h, ref) for h in self.keywords.find(doc) for ref in h.payload]
        keyword_hits += self._combo_hits(doc)
        positive_hits = [
            (rule, h) for rule, m, unless in self.positives if not unless.find(doc) for h in m.find(doc)
        ]
        signal_hits = {name: m.find(doc) for name, m in self.signals.items()}
        amplifier_hits = [
            (rule, h)
            for rule, m, (req, also), unless in self.amplifiers
            for h in m.find(doc)
            if _has(req, doc, h) and _has(also, doc, h) and not _in_sentence(unless, doc, h)
        ]
        modifier_hits = {name: m.find(doc) for name, m in self.modifiers.items()}
        hoax_hits = self.hoax.find(doc)
        axis_hits = {
            key: [h for h in m.find(doc) if _has(req, doc, h) and not _in_sentence(unless, doc, h)]
            for key, (m, req, unless) in self.axes.items()
        }
        natural_hits = self.natural_causes.find(doc)

        spans = [(h.start, h.end) for h, _ in keyword_hits]
        spans += [(h.start, h.end) for _, h in positive_hits] + [(h.start, h.end) for _, h in amplifier_hits]
        spans += [(h.start, h.end) for hits in (*signal_hits.values(), *modifier_hits.values()) for h in hits]
        spans += [(h.start, h.end) for h in hoax_hits]
        spans += [(h.start, h.end) for hits in axis_hits.values() for h in hits]
        off = negated(doc, spans, self.negators.find(doc), self.post_negators.find(doc))

        def keep(hit: Hit[Any]) -> bool:
            return (hit.start, hit.end) not in off

        reading = Reading(doc)
        reading.negated = sorted({doc.surface(s, e) for s, e in off})
        reading.keywords = [_category_hit(doc, h, ref) for h, ref in keyword_hits if keep(h)]
        reading.positives = [(rule, h) for rule, h in positive_hits if keep(h)]
        reading.amplifiers = [(rule, h) for rule, h in amplifier_hits if keep(h)]
        reading.modifiers = {name: [h for h in hits if keep(h)] for name, hits in modifier_hits.items()}
        reading.hoax = [h for h in hoax_hits if keep(h)]
        reading.signals = {
            name: [self._signal_hit(doc, h) for h in hits if keep(h)] for name, hits in signal_hits.items()
        }
        reading.axis_phrases = {
            key: list(dict.fromkeys(h.phrase for h in hits if keep(h))) for key, hits in axis_hits.items()
        }
        reading.natural_causes = natural_hits
        reading.suspicious = [h.phrase for h in self.suspicious.find(doc)]
        bg_phrases, bg_unless = self.background
        if not bg_unless.find(doc):
            reading.background = list(dict.fromkeys(h.phrase for h in bg_phrases.find(doc)))
        reading.tally = [h.phrase for h in self.tally.find(doc)] + _YEAR_SPAN.findall(text)
        for name, (resolved, rumour) in self.unresolved.items():
            reading.resolved[name] = [h.phrase for h in resolved.find(doc)]
            reading.rumour[name] = [h.phrase for h in rumour.find(doc)]
        reading.natural_disaster = [h.phrase for h in self.natural_disaster.find(doc)]
        reading.hedges = [h.phrase for h in self.hedges.find(doc)]
        reading.wrongdoing = self._wrongdoing(doc)
        return reading

    def _combo_hits(self, doc: Document) -> list[tuple[Hit[Any], KeywordRef]]:
        """Two-part keywords: the first part's hit, quoted with its partner ("sipir … ditangkap")."""
        found: list[tuple[Hit[Any], KeywordRef]] = []
        for ref, phrases, requires, unless in self.combos:
            for hit in phrases.find(doc):
                partner = _partner(requires, doc, hit)
                if partner is None or _in_sentence(unless, doc, hit):
                    continue
                found.append((Hit(hit.start, hit.end, f"{hit.phrase} … {partner.phrase}", None), ref))
        return found

    def _wrongdoing(self, doc: Document) -> list[str]:
        signs: list[str] = []
        for phrases, requires, unless in self.wrongdoing:
            for hit in phrases.find(doc):
                if _in_sentence(unless, doc, hit):
                    continue
                if not requires.vocabulary:
                    signs.append(hit.phrase)
                elif (partner := _partner(requires, doc, hit)) is not None:
                    signs.append(f"{hit.phrase} … {partner.phrase}")
        return list(dict.fromkeys(signs))

    def _signal_hit(self, doc: Document, hit: Hit[None]) -> SignalHit:
        count = count_near(doc, hit.start, hit.end, self.person_first)
        if count is None:
            trigger = hit.phrase
        elif count.end - count.start <= 8:
            trigger = doc.surface(count.start, count.end)
        else:
            trigger = f"{doc.surface(count.start, count.start + 1)} … {hit.phrase}"
        return SignalHit(hit.phrase, hit.start, hit.end, doc.tokens[hit.start].sentence, count, trigger)


def _has(required: Matcher[None], doc: Document, hit: Hit[None]) -> bool:
    """An amplifier without `requires` always holds; otherwise one required phrase is in its sentence."""
    return not required.vocabulary or _in_sentence(required, doc, hit)


def _partner(phrases: Matcher[None], doc: Document, hit: Hit[None]) -> Hit[None] | None:
    """The first of `phrases` in the sentence of `hit`, not overlapping it."""
    sentence = doc.tokens[hit.start].sentence
    for other in phrases.find(doc):
        if doc.tokens[other.start].sentence == sentence and (
            other.end <= hit.start or other.start >= hit.end
        ):
            return other
    return None


def _in_sentence(phrases: Matcher[None], doc: Document, hit: Hit[None]) -> bool:
    sentence = doc.tokens[hit.start].sentence
    return any(doc.tokens[r.start].sentence == sentence for r in phrases.find(doc))


def _category_hit(doc: Document, hit: Hit[tuple[KeywordRef, ...]], ref: KeywordRef) -> CategoryHit:
    sentence = doc.tokens[hit.start].sentence
    return CategoryHit(ref.category, ref.level, hit.phrase, hit.start, hit.end, sentence, ref.context)


def _keyword_entries(policy: Policy) -> list[tuple[str, tuple[KeywordRef, ...]]]:
    """One entry per phrase, carrying every category that lists it (longest match across categories)."""
    refs: dict[tuple[str, ...], list[KeywordRef]] = {}
    for category, rule in policy.categories.items():
        listed: Iterable[tuple[str, int, bool]] = (
            *((p, rule.base_level, False) for p in rule.keywords),
            *((p, level, False) for p, level in rule.severe.items()),
            *((p, 1, True) for p in rule.context),
        )
        for phrase, level, context in listed:
            refs.setdefault(phrase_tokens(phrase), []).append(KeywordRef(category, level, context))
    return [(" ".join(tokens), tuple(dict.fromkeys(found))) for tokens, found in refs.items()]


def _keyword_excludes(policy: Policy) -> list[str]:
    """Exclusions hide a phrase from every category, unless some category lists it as a keyword."""
    listed = {phrase_tokens(p) for p, _ in _keyword_entries(policy)}
    return [p for rule in policy.categories.values() for p in rule.exclude if phrase_tokens(p) not in listed]


# A count over a stated year ("selama 2017", "sepanjang tahun 2023"): phrase lists cannot name every year.
_YEAR_SPAN = re.compile(r"\b(?:selama|sepanjang|sejak)\s+(?:tahun\s+)?(?:19|20)\d\d\b", re.IGNORECASE)

_CACHE: dict[int, tuple[Policy, Lexicon]] = {}


def lexicon_for(policy: Policy) -> Lexicon:
    """The compiled lexicon of `policy`, built once per policy object."""
    entry = _CACHE.get(id(policy))
    if entry is None or entry[0] is not policy:
        if len(_CACHE) >= 8:
            _CACHE.clear()
        entry = (policy, Lexicon(policy))
        _CACHE[id(policy)] = entry
    return entry[1]
