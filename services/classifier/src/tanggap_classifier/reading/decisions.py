"""People's decisions over machine readings, and the LLM's facts beside the rules' facts.

A person's decision stands over any machine reading of the same fact (same fact_id), however often
the text is read again: confirmed → verified; corrected → the person's words, verified, extractor
"person"; removed → kept with status "removed" so that nothing downstream uses it and no machine
suggests it again. The last decision taken on a fact is the one that counts.
"""

import re
from collections.abc import Iterable

from tanggap_shared.events import FactDecision, FactKind, ReadFact, ReportReading, TextSpan

_FACT_ID_RE = re.compile(r"(what|when|where|who|amount|casualty|how|source|reach):(\d{1,9})-(\d{1,9})")


def latest(decisions: Iterable[FactDecision]) -> dict[str, FactDecision]:
    """fact_id → the last decision taken on it (kept in the order they were taken)."""
    out: dict[str, FactDecision] = {}
    for decision in decisions:
        out[decision.fact_id] = decision
    return out


def apply_decisions(
    reading: ReportReading, decisions: Iterable[FactDecision], text: str | None = None
) -> ReportReading:
    """The reading with every person's decision over it.

    A decision on a fact this reading no longer holds still stands: a correction becomes a fact of
    its own (no span), and a confirmation is rebuilt from its span when `text` is given.
    """
    chosen = latest(decisions)
    facts = [_decided(f, chosen[f.fact_id]) if f.fact_id in chosen else f for f in reading.facts]
    present = {f.fact_id for f in facts}
    for fact_id, decision in chosen.items():
        if fact_id not in present:
            orphan = _orphan(decision, text)
            if orphan is not None:
                facts.append(orphan)
    return reading.model_copy(update={"facts": facts})


def _decided(fact: ReadFact, decision: FactDecision) -> ReadFact:
    if decision.decision == "corrected":
        value = decision.value.strip() or fact.value
        return fact.model_copy(
            update={"status": "corrected", "verified": True, "value": value, "extractor": "person"}
        )
    if decision.decision == "confirmed":
        return fact.model_copy(update={"status": "confirmed", "verified": True})
    return fact.model_copy(update={"status": "removed", "verified": False})


def _orphan(decision: FactDecision, text: str | None) -> ReadFact | None:
    m = _FACT_ID_RE.fullmatch(decision.fact_id)
    if m is None:
        return None
    kind: FactKind = m.group(1)  # type: ignore[assignment]  # the pattern only admits FactKind values
    start, end = int(m.group(2)), int(m.group(3))
    span = None
    if text is not None and 0 <= start < end <= len(text):
        span = TextSpan(start=start, end=end, text=text[start:end])
    if decision.decision == "corrected" and decision.value.strip():
        return ReadFact(
            fact_id=decision.fact_id,
            kind=kind,
            value=decision.value.strip(),
            span=span,
            status="corrected",
            verified=True,
            extractor="person",
        )
    if decision.decision == "confirmed" and span is not None:
        return ReadFact(
            fact_id=decision.fact_id, kind=kind, value=span.text, span=span, status="confirmed", verified=True
        )
    return None  # a removal of a fact nobody reads any more: nothing to show


def merge_facts(
    rules_facts: list[ReadFact], llm_facts: list[ReadFact], decisions: Iterable[FactDecision] = ()
) -> list[ReadFact]:
    """Rules facts, then the LLM's facts that add something.

    The rules win on an identical span; an LLM fact that overlaps a fact a person decided, of the
    same kind, is dropped (it would re-suggest what the person confirmed, corrected or removed).
    """
    decided_ids = set(latest(decisions))
    spans = {(f.span.start, f.span.end) for f in rules_facts if f.span}
    decided_spans: list[tuple[str, int, int]] = []
    for fact_id in decided_ids:
        m = _FACT_ID_RE.fullmatch(fact_id)
        if m:
            decided_spans.append((m.group(1), int(m.group(2)), int(m.group(3))))
    out = list(rules_facts)
    ids = {f.fact_id for f in out}
    for fact in llm_facts:
        if fact.span is None or (fact.span.start, fact.span.end) in spans or fact.fact_id in ids:
            continue
        if fact.fact_id in decided_ids:
            continue
        if any(k == fact.kind and s < fact.span.end and fact.span.start < e for k, s, e in decided_spans):
            continue
        out.append(fact)
        ids.add(fact.fact_id)
    return sorted(out, key=lambda f: (f.span.start if f.span else 1 << 30, f.kind))
