"""Facts an LLM proposed, kept only where the text says them, and one report's whole reading.

The model quotes; we find the quote in the text verbatim and compute the span ourselves, so a fact
the text does not contain can never pass (a paraphrase, a translation or an invented phrase is
dropped). Amounts are read by our own number rules from the quoted words: the model's idea of what
"puluhan" means is never used. Rules facts win on identical spans and a person's decision stands
over both (decisions.py).
"""

from collections.abc import Iterable

from tanggap_classifier.facts import LlmReadFact
from tanggap_classifier.reading.decisions import apply_decisions, merge_facts
from tanggap_classifier.reading.numbers import count_at
from tanggap_classifier.reading.read import read_report
from tanggap_classifier.reading.tokens import tokenise
from tanggap_classifier.reading.vocabulary import ReadingVocabulary, load_vocabulary
from tanggap_shared.contracts import MediaReach, Source
from tanggap_shared.events import Amount, ReadFact, ReportReading, ReportSnapshot, TextSpan

_DETAILS: dict[str, frozenset[str]] = {
    "when": frozenset({"day", "date", "part_of_day", "clock", "relative"}),
    "where": frozenset({"block", "room", "area"}),
    "source": frozenset(s.value for s in Source),
    "reach": frozenset(r.value for r in MediaReach),
}
_COUNTED = frozenset({"amount", "casualty"})


def llm_read_facts(
    text: str, proposals: Iterable[LlmReadFact], vocab: ReadingVocabulary | None = None
) -> list[ReadFact]:
    """The proposals the text really contains, each with the span we found; the rest is dropped."""
    vocab = vocab or load_vocabulary()
    out: list[ReadFact] = []
    used: set[str] = set()
    for proposal in proposals:
        fact = _kept(text, proposal, vocab, used)
        if fact is not None:
            out.append(fact)
            used.add(fact.fact_id)
    return out


def _kept(text: str, proposal: LlmReadFact, vocab: ReadingVocabulary, used: set[str]) -> ReadFact | None:
    quote = proposal.quote.strip()
    if not quote:
        return None
    start = _place(text, quote, proposal.kind, used)
    if start < 0:
        return None
    end = start + len(quote)
    amount = _amount(quote) if proposal.kind in _COUNTED else None
    if proposal.kind == "amount" and amount is None:
        return None  # an amount whose words hold no number we can read would be a number made up
    allowed = _DETAILS.get(proposal.kind)
    detail = proposal.detail if allowed is None or proposal.detail in allowed else ""
    sensitive = proposal.sensitive or _sensitive_words(quote, vocab)
    return ReadFact(
        fact_id=f"{proposal.kind}:{start}-{end}",
        kind=proposal.kind,
        value=quote,
        span=TextSpan(start=start, end=end, text=text[start:end]),
        detail=detail[:40],
        role=proposal.role if proposal.kind in ("who", "amount", "casualty") else None,
        amount=amount,
        sensitive=sensitive and proposal.kind in ("how", "where", "amount"),
        extractor="llm",
    )


def _place(text: str, quote: str, kind: str, used: set[str]) -> int:
    """The first place the quote stands verbatim that no other proposal of its kind took."""
    start = text.find(quote)
    while start >= 0 and f"{kind}:{start}-{start + len(quote)}" in used:
        start = text.find(quote, start + 1)
    return start


def _amount(quote: str) -> Amount | None:
    toks = tokenise(quote)
    for i in range(len(toks)):
        c = count_at(toks, i)
        if c is not None:
            start, end = toks[c.i].start, toks[c.j - 1].end
            return Amount(words=quote[start:end], low=c.low, high=c.high, exact=c.exact)
    return None


def _sensitive_words(quote: str, vocab: ReadingVocabulary) -> bool:
    toks = tokenise(quote)
    return any(hit.payload for hit in vocab.how.scan(toks))


def reading_of(
    report: ReportSnapshot, proposals: Iterable[LlmReadFact] = (), vocab: ReadingVocabulary | None = None
) -> ReportReading:
    """One report's reading: the rules', the LLM's that add something, the people's decisions over all."""
    rules = read_report(report, vocab)
    llm = llm_read_facts(report.text, proposals, vocab)
    facts = merge_facts(rules.facts, llm, report.fact_decisions)
    extractor = "llm" if any(f.extractor == "llm" for f in facts) else "rules"
    reading = ReportReading(report_id=report.report_id, facts=facts, extractor=extractor)
    return apply_decisions(reading, report.fact_decisions, report.text)
