"""One incident per event: does a new report belong to an incident already open at the same unit?

Pure logic (DOMAIN.md §6.1, issue "one incident per event"). The caller has already narrowed the
candidates to open incidents of the same unit whose last report is inside the window; this module
decides between them on category and text, and words the reason for the timeline.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from tanggap_intake.lexicon import category_hint, normalise, tone

# Categories that one event commonly produces together (a riot with a death, an escape and an officer
# who helped, a phone used to run drugs and pay bribes).
RELATED: tuple[frozenset[str], ...] = (
    frozenset({"unrest", "violence", "death", "disaster", "terrorism"}),
    frozenset({"escape", "misconduct"}),
    frozenset({"drugs", "contraband", "extortion", "misconduct"}),
    frozenset({"violence", "misconduct", "death"}),
    frozenset({"overcapacity", "unrest", "rights"}),
)

_STOPWORDS = """
yang dan di ke dari dengan untuk pada dalam ini itu ada telah sudah akan oleh para seorang terjadi adalah
atau juga karena saat setelah sebelum tersebut mereka kami kita ia dia tidak bukan masih baru pihak sekitar
sebanyak hari malam pagi siang sore kemarin tadi pukul wib the and
lapas rutan bapas lpka kelas warga binaan petugas blok hunian kamar sel napi narapidana wbp tahanan lembaga
pemasyarakatan rumah
"""
# Function words, and the words of every prison report: they say nothing about which event it is.
STOPWORDS = frozenset(_STOPWORDS.split())


def report_category(text: str) -> str:
    """The intake's own rough category for matching; "routine" for good news, as the classifier would."""
    if tone(text).polarity == "positive":
        return "routine"
    return category_hint(text) or "unknown"


def compatible(a: str, b: str) -> bool | None:
    """True when two categories can be one event, False when they cannot, None when one is unknown."""
    if "unknown" in (a, b):
        return None
    if a == b:
        return True
    if "routine" in (a, b):
        return False
    if "viral" in (a, b):
        return True
    return any(a in group and b in group for group in RELATED)


def words(text: str, ignore: frozenset[str] = frozenset()) -> frozenset[str]:
    return frozenset(
        w for w in normalise(text).split() if len(w) > 2 and w not in STOPWORDS and w not in ignore
    )


def similarity(a: frozenset[str], b: frozenset[str]) -> float:
    """Overlap coefficient: a short message about an event scores high against a long article about it."""
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


@dataclass(frozen=True)
class Candidate:
    incident_id: str
    category: str  # the classifier's category, else the first report's own; "unknown" if neither
    last_report_at: datetime
    texts: Sequence[str]


@dataclass(frozen=True)
class Match:
    incident_id: str
    score: float
    reason: str


def _hours(delta_seconds: float) -> str:
    hours = delta_seconds / 3600
    return f"{hours:.0f} jam" if hours >= 1 else f"{max(1, round(hours * 60))} menit"


def find_match(
    text: str,
    candidates: Sequence[Candidate],
    *,
    unit_name: str,
    now: datetime,
    window_hours: int,
    min_similarity: float,
) -> Match | None:
    """The open incident this report is most likely about, or None for a new incident."""
    category = report_category(text)
    ignore = words(unit_name)
    mine = words(text, ignore)
    best: Match | None = None
    for candidate in candidates:
        fit = compatible(category, candidate.category)
        if fit is False:
            continue
        score = max((similarity(mine, words(t, ignore)) for t in candidate.texts), default=0.0)
        same = fit and category == candidate.category
        if same:
            basis = f"kategori sama ({category})"
            total = 1.0 + score
        elif fit and score >= min_similarity / 2:
            basis = f"kategori terkait ({category} / {candidate.category})"
            total = 0.5 + score
        elif fit is None and score >= min_similarity:
            basis = "isi laporan mirip"
            total = score
        else:
            continue
        ago = _hours((now - candidate.last_report_at).total_seconds())
        reason = (
            f"Unit sama ({unit_name}), laporan terakhir {ago} lalu (jendela {window_hours} jam), "
            f"{basis}, kemiripan teks {score:.2f}."
        )
        if best is None or total > best.score:
            best = Match(candidate.incident_id, total, reason)
    return best
