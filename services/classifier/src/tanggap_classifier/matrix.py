"""The severity matrix of DOMAIN.md §6.2: six axes scored 0-3 from the evidence the policy lists."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from tanggap_classifier.lexicon import CategoryHit
from tanggap_classifier.policy import AXES, AxisName, AxisScore, Evidence, SeverityMatrix, SignalName
from tanggap_shared.contracts import MediaReach


@dataclass(frozen=True)
class Observed:
    """What one report shows, in the terms the matrix evidence uses."""

    negative: Sequence[CategoryHit]
    signals: Mapping[SignalName, tuple[int, list[str]]]  # best level, triggers
    modifiers: Mapping[str, list[str]]  # modifiers that fired → triggers
    reach: tuple[MediaReach, str] | None  # answered/extracted reach, trigger
    spike: str | None  # description of a media spike
    phrases: Mapping[tuple[AxisName, int, int], list[str]]


@dataclass(frozen=True)
class AxisResult:
    axis: AxisName
    name: str
    score: int
    label: str
    level: int
    triggers: list[str]


def score_axes(matrix: SeverityMatrix, seen: Observed, *, hoax: bool) -> list[AxisResult]:
    """Every axis with its highest score whose evidence holds (0 when none, or not counted in a hoax)."""
    results = []
    for axis in AXES:
        rule = matrix.axis(axis)
        found: tuple[int, str, list[str]] = (0, rule.scores[0].label, [])
        if not hoax or rule.hoax_counts:
            for score in sorted(rule.scores, reverse=True):
                triggers, label = _triggers(axis, score, rule.scores[score], seen)
                if score and triggers:
                    found = (score, label, triggers)
                    break
        score, label, triggers = found
        results.append(AxisResult(axis, rule.name, score, label, rule.scores[score].level, triggers))
    return results


def _triggers(axis: AxisName, score: int, rule: AxisScore, seen: Observed) -> tuple[list[str], str]:
    """The triggers of every evidence that holds, and the label of the first that does."""
    triggers: list[str] = []
    label: str | None = None
    for i, evidence in enumerate(rule.evidence):
        found = seen.phrases.get((axis, score, i), []) + _observed(evidence, rule.level, seen)
        if found and label is None:
            label = evidence.label or rule.label
        triggers += found
    return list(dict.fromkeys(triggers)), label or rule.label


def _observed(evidence: Evidence, level: int, seen: Observed) -> list[str]:
    found = [
        h.phrase
        for h in seen.negative
        if h.category in evidence.categories and h.level >= evidence.min_keyword_level
    ]
    for name in evidence.signals:
        signal = seen.signals.get(name)
        if signal is not None and signal[0] >= level:
            found += signal[1]
    for modifier in evidence.modifiers:
        found += seen.modifiers.get(modifier, [])
    if seen.reach is not None and seen.reach[0] in evidence.reach:
        found.append(seen.reach[1])
    if evidence.spike and seen.spike:
        found.append(seen.spike)
    return found
