"""The parts of a classification that explain it to a Humas officer: the SCCT cluster, the confidence
and the self-assessment questions still open. Pure functions of what the engine found.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field

from tanggap_classifier.policy import Cluster, Policy, QuestionCode
from tanggap_shared.contracts import Category
from tanggap_shared.events import Impact, Reason


@dataclass(frozen=True)
class Findings:
    """The engine's findings that the explanations depend on (crisis path only)."""

    primary: Category
    categories: frozenset[Category]  # negative keyword categories (not neutralised)
    officers: bool  # officers as alleged perpetrators (modifier fired or pelaku axis ≥ 2)
    children: bool
    hoax: bool
    natural_disaster: bool
    deaths: bool  # a death signal from any source
    death_words_in_text: bool
    death_cause_known: bool
    injury_words_in_text: bool
    escape: bool
    escape_outcome_known: bool  # recaptured or still at large is stated
    video_known: bool
    spike: bool
    level: int
    # Vague amounts the text gave, by question ("escapees" → "ratusan napi"): the question quotes them.
    vague: Mapping[str, str] = field(default_factory=dict)


def scct_cluster(policy: Policy, f: Findings) -> tuple[Cluster, str]:
    """The SCCT cluster (DOMAIN.md §4.1) and why, in Indonesian."""
    rules = policy.scct
    if f.hoax:
        return rules.hoax, "kabar bohong (hoaks)"
    if f.officers:
        return rules.officers, "petugas diduga sebagai pelaku"
    if f.primary == Category.DISASTER and f.natural_disaster:
        return rules.natural_disaster, "bencana alam"
    name = policy.categories[f.primary].name
    return rules.categories.get(f.primary, "accidental"), f"kategori {name}"


def missing_questions(policy: Policy, f: Findings, impact: Impact, verified: bool) -> list[str]:
    """Questions the self-assessment should answer before the level can be trusted."""
    wanted: set[QuestionCode] = set()
    if f.death_words_in_text and impact.deaths is None:
        wanted.add("deaths")
    if f.deaths and not f.death_cause_known:
        wanted.add("death_cause")
    if f.injury_words_in_text and impact.injuries is None:
        wanted.add("injuries")
    if f.escape and impact.escapees is None:
        wanted.add("escapees")
    if f.escape and not f.escape_outcome_known:
        wanted.add("recaptured")
    if impact.media_reach is None and not f.spike:
        wanted.add("media_reach")
    video_matters = f.level >= 3 or f.categories & {Category.VIOLENCE, Category.UNREST, Category.EXTORTION}
    if impact.video_exists is None and not f.video_known and video_matters:
        wanted.add("video")
    officer_topics = {
        Category.VIOLENCE,
        Category.EXTORTION,
        Category.MISCONDUCT,
        Category.DRUGS,
        Category.DEATH,
    }
    if impact.officers_involved is None and not f.officers and f.primary in officer_topics:
        wanted.add("officers")
    if impact.children_involved is None and not f.children and f.level >= 3:
        wanted.add("children")
    if f.hoax:
        wanted.add("hoax")
    if not verified:
        wanted.add("verified")
    return [_quoting(text, f.vague.get(code)) for code, text in policy.questions.items() if code in wanted]


def _quoting(question: str, words: str | None) -> str:
    if not words:
        return question
    return f'{question} (laporan menyebut "{words}")'


@dataclass(frozen=True)
class Evidence:
    """How much the level rests on (for the confidence)."""

    crisis: bool
    counted: bool  # a count, an answer, or a severe keyword sets the level
    corroborating: int  # independent criteria at the base level
    impact_answered: bool
    verified: bool
    llm: bool
    missing: int
    hedged: bool
    mixed: bool
    no_match: bool
    good_news: bool  # not a crisis: good-news words were found


def confidence(policy: Policy, e: Evidence) -> tuple[float, Reason]:
    """A 0-1 confidence: the policy's base plus the adjustments that apply, each named in the reason."""
    rules = policy.confidence
    parts: list[tuple[str, float]] = []
    if e.crisis:
        base = rules.base
        parts += [("bukti terhitung", rules.counted_evidence)] if e.counted else []
        parts += [("beberapa kriteria sepakat", rules.corroborated)] if e.corroborating >= 2 else []
        parts += [("jawaban penilaian dampak", rules.impact_answers)] if e.impact_answered else []
        parts += [("fakta terverifikasi", rules.verified_facts)] if e.verified else []
        parts += [("dibaca penilai LLM", rules.llm_consulted)] if e.llm else []
        if e.missing:
            parts.append((f"{e.missing} pertanyaan terbuka", rules.per_missing * e.missing))
        parts += [("bahasa dugaan", rules.hedged)] if e.hedged else []
        parts += [("kata positif dan negatif bercampur", rules.mixed_polarity)] if e.mixed else []
    else:
        base = rules.not_a_crisis_base
        parts += [("kata berita positif", rules.counted_evidence)] if e.good_news else []
        parts += [("kata positif dan negatif bercampur", rules.mixed_polarity)] if e.mixed else []
    parts += [("tidak ada kata kunci yang cocok", rules.no_match)] if e.no_match else []
    value = round(min(rules.maximum, max(rules.minimum, base + sum(d for _, d in parts))), 2)
    shown = "; ".join(f"{_signed(d)} {label}" for label, d in parts)
    text = f"Keyakinan {_decimal(value)} (dasar {_decimal(base)}{'; ' + shown if shown else ''})"
    return value, Reason(code="confidence", text=text, level=0, triggers=[label for label, _ in parts])


def _decimal(value: float) -> str:
    return f"{value:.2f}".replace(".", ",")


def _signed(value: float) -> str:
    return ("+" if value >= 0 else "−") + _decimal(abs(value))


def scct_reason(policy: Policy, cluster: Cluster, why: str) -> Reason:
    # In words an officer reads (issue 16): the advice names the cluster in Indonesian ("klaster dapat
    # dicegah: …"); the English code stays in `scct_cluster` for machines.
    advice = policy.scct.advice.get(cluster, "") or CLUSTER_WORDS.get(cluster, cluster)
    return Reason(code="scct", text=f"Strategi komunikasi, {advice} ({why})", level=0, triggers=[why])


CLUSTER_WORDS = {
    "victim": "klaster korban",
    "accidental": "klaster kecelakaan",
    "preventable": "klaster dapat dicegah",
}
