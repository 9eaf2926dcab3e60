"""`read_report`: the rules reader. Pure: a text in, facts with exact spans out, nothing else touched.

The rules in rules.py propose candidates; this module drops what a link says (a URL slug is not a
report), joins the parts of one time ("Selasa dini hari pukul 03.00" is one answer to "when"), finds
event words by their root (Sastrawi: "dianiaya", "penganiayaan" → "aniaya"), removes duplicates and
bounds the result. Every fact quotes the text: `span.text == text[span.start:span.end]`.
"""

import re
from dataclasses import replace

from tanggap_classifier.reading import rules
from tanggap_classifier.reading.rules import Candidate
from tanggap_classifier.reading.tokens import Tok, tokenise
from tanggap_classifier.reading.vocabulary import ReadingVocabulary, load_vocabulary
from tanggap_classifier.stemming import stem
from tanggap_shared.events import FactKind, FactRole, ReadFact, ReportReading, ReportSnapshot, TextSpan

MAX_FACTS = 60
MAX_PER_KIND = 12  # a long text names "napi" fifty times; the officer needs each fact once
MAX_TEXT_CHARS = 100_000  # beyond this nothing is read (the intake refuses far shorter texts)

_URL_RE = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
# What may stand between two parts of one time: spaces, a comma, "pada", "sekitar" ("Senin, 12 Mei
# 2025 sekitar pukul 02.00 WIB"). Parentheses belong to the date pattern itself.
_WHEN_GAP_RE = re.compile(
    # "Senin lalu (17/2)": a relative word may stand between a day and its date.
    r"[ \t\u00a0]*(?:(?:lalu|silam|kemarin)[ \t\u00a0]*)?(?:[,(][ \t\u00a0]*)?"
    r"(?:(?:pada|sekitar|sekira|hingga|sampai|s/d|[-\u2013])[ \t\u00a0]*)?",
    re.IGNORECASE,
)
# Words that end a time the report gives ("Senin (31/01/2022) lalu", "28 April mendatang", "Hari
# Kemerdekaan RI ke-72", "Idulfitri 1446 Hijriah").
_CLOSE_RE = re.compile(r"[ \t\u00a0]*\)")
_WHEN_TAIL_RE = re.compile(
    r"[ \t\u00a0]+(?:lalu|silam|mendatang|kemarin|itu|ini|ke-?[ ]?\d{1,3}"
    r"|\d{4}[ ]+(?:H|Hijriah|Hijiriah|Hijriyah|M|Masehi)"
    # "Hari Bakti Pemasyarakatan (HBP) ke-59 tahun 2023", "Hari Raya Nyepi 2021"
    r"|\([A-Z]{2,6}\)|tahun[ ]+(?:19|20)\d{2}|tahun[ ]+(?:ini|lalu)|(?:19|20)\d{2})(?!\w)",
    re.IGNORECASE,
)
# Event words found by their root when the exact word is not in the vocabulary ("dianiaya",
# "membakar"): root → the substring a word must hold before Sastrawi is asked (a cheap filter).
_EVENT_ROOTS = {
    "aniaya": "aniaya",
    "keroyok": "keroyok",
    "siksa": "siksa",
    "bakar": "bakar",
    "seludup": "seludup",
    "peras": "peras",
    "rusuh": "rusuh",
    "ricuh": "ricuh",
    "amuk": "amuk",
    "sandera": "sandera",
    "bunuh": "bunuh",
    "tikam": "tikam",
    "bacok": "bacok",
    "tembak": "tembak",
    "kabur": "kabur",
    "bobol": "bobol",
}
_ROOT_PIECES = re.compile("|".join(sorted(set(_EVENT_ROOTS.values()))))
_ROLE_OF_COUNT: dict[str, FactRole] = {
    "inmates": "warga_binaan",
    "children": "anak",
    "officers": "petugas",
    "visitors": "pengunjung",
    "police": "aph",
}
_KIND_ORDER: tuple[FactKind, ...] = (
    "what",
    "casualty",
    "amount",
    "when",
    "where",
    "who",
    "how",
    "source",
    "reach",
)


def read_report(report: ReportSnapshot, vocab: ReadingVocabulary | None = None) -> ReportReading:
    """The rules reading of one report's free text (the 5W+1H answers are not read: people wrote them)."""
    return ReportReading(report_id=report.report_id, facts=read_text(report.text, vocab), extractor="rules")


def read_text(text: str, vocab: ReadingVocabulary | None = None) -> list[ReadFact]:
    """Facts of `text`, in text order, each a suggestion quoting its exact span."""
    vocab = vocab or load_vocabulary()
    text = text[:MAX_TEXT_CHARS] if len(text) > MAX_TEXT_CHARS else text
    toks = _without_links(text, tokenise(text))
    if not toks:
        return []
    found = [c for c in _candidates(text, toks, vocab) if c.end > c.start]
    found = _joined_when(text, found)
    found = _longest(found)
    return _bounded([_fact(text, c) for c in _distinct(text, found)])


def _candidates(text: str, toks: list[Tok], vocab: ReadingVocabulary) -> list[Candidate]:
    found = [c for c in rules.regex_when(text) if not _in_link(text, c)]
    found += rules.token_when(toks, vocab)
    found += rules.where(toks, vocab)
    found += rules.who(toks, vocab)
    found += rules.phrases(toks, vocab)
    found += _by_root(toks, found)
    found += [_with_role(c, found) for c in rules.counts(text, toks, vocab)]
    return found


def _without_links(text: str, toks: list[Tok]) -> list[Tok]:
    """Tokens outside links; the token after a link starts a new phrase (never joined across it)."""
    links = [(m.start(), m.end()) for m in _URL_RE.finditer(text)]
    if not links:
        return toks
    kept: list[Tok] = []
    dropped = False
    for tok in toks:
        if any(start <= tok.start < end for start, end in links):
            dropped = True
            continue
        kept.append(replace(tok, joined=False) if dropped else tok)
        dropped = False
    return kept


def _in_link(text: str, c: Candidate) -> bool:
    return any(m.start() <= c.start < m.end() for m in _URL_RE.finditer(text, 0, c.end))


def _by_root(toks: list[Tok], found: list[Candidate]) -> list[Candidate]:
    """'what' for an event word the vocabulary lists only in another form (stemmed, whole word)."""
    taken = {(c.start, c.end) for c in found if c.kind == "what"}
    covered = [(c.start, c.end) for c in found if c.kind == "what"]
    out: list[Candidate] = []
    for tok in toks:
        if _ROOT_PIECES.search(tok.low) is None:
            continue
        if (tok.start, tok.end) in taken or any(s <= tok.start and tok.end <= e for s, e in covered):
            continue
        if stem(tok.low) in _EVENT_ROOTS:
            out.append(Candidate("what", tok.start, tok.end))
    return out


def _with_role(c: Candidate, found: list[Candidate]) -> Candidate:
    """An amount of people says whom it counts: the role of a 'who' inside its span."""
    if c.kind not in ("amount", "casualty") or c.role is not None:
        return c
    for other in found:
        if other.kind == "who" and c.start <= other.start and other.end <= c.end:
            return replace(c, role=other.role)
    role = _ROLE_OF_COUNT.get(c.detail)
    return replace(c, role=role) if role else c


def _joined_when(text: str, found: list[Candidate]) -> list[Candidate]:
    """Adjacent parts of one time ("Jumat" + "dini hari" + "pukul 03.00") become one 'when'."""
    whens = sorted((c for c in found if c.kind == "when"), key=lambda c: (c.start, -c.end))
    others = [c for c in found if c.kind != "when"]
    joined: list[Candidate] = []
    for c in whens:
        last = joined[-1] if joined else None
        if last is not None and c.start < last.end:
            if c.end > last.end:
                joined[-1] = _merge(last, c)
            continue
        if last is not None and _WHEN_GAP_RE.fullmatch(text, last.end, c.start) is not None:
            joined[-1] = _merge(last, c)
            continue
        joined.append(c)
    return others + [_with_tail(text, c) for c in joined]


def _with_tail(text: str, c: Candidate) -> Candidate:
    end = c.end
    for _ in range(4):
        tail = _WHEN_TAIL_RE.match(text, end)
        # "Minggu malam ( 5 Agustus 2018)": a bracket opened inside the time closes it.
        opened = text.count("(", c.start, end) > text.count(")", c.start, end)
        close = _CLOSE_RE.match(text, end) if opened else None
        step = close or tail
        if step is None:
            break
        end = step.end()
    return replace(c, end=end) if end != c.end else c


def _merge(a: Candidate, b: Candidate) -> Candidate:
    parts = a.detail.split("+")
    parts += [p for p in b.detail.split("+") if p not in parts]
    return replace(a, end=max(a.end, b.end), detail="+".join(parts))


def _longest(found: list[Candidate]) -> list[Candidate]:
    """Within one kind, a candidate inside a longer one is the same fact read twice."""
    by_kind: dict[str, list[Candidate]] = {}
    for c in sorted(found, key=lambda c: (c.start, -(c.end - c.start))):
        kept = by_kind.setdefault(c.kind, [])
        if kept and c.start >= kept[-1].start and c.end <= kept[-1].end:
            continue
        kept.append(c)
    return [c for kept in by_kind.values() for c in kept]


def _distinct(text: str, found: list[Candidate]) -> list[Candidate]:
    """One fact per kind, sub-kind and wording: the first place the text says it."""
    seen: set[tuple[str, str, str]] = set()
    out: list[Candidate] = []
    for c in sorted(found, key=lambda c: (c.start, c.end)):
        key = (c.kind, c.detail, " ".join(text[c.start : c.end].lower().split()))
        if key in seen:
            continue
        seen.add(key)
        out.append(c)
    return out


def _bounded(facts: list[ReadFact]) -> list[ReadFact]:
    per_kind: dict[str, list[ReadFact]] = {}
    for fact in facts:
        kept = per_kind.setdefault(fact.kind, [])
        if len(kept) < MAX_PER_KIND:
            kept.append(fact)
    chosen: list[ReadFact] = []
    # Round-robin over the kinds in order of weight, so a flood of one kind never crowds out another.
    while len(chosen) < MAX_FACTS and any(per_kind.values()):
        for kind in _KIND_ORDER:
            if per_kind.get(kind) and len(chosen) < MAX_FACTS:
                chosen.append(per_kind[kind].pop(0))
    return sorted(chosen, key=lambda f: (f.span.start if f.span else 0, f.kind))


def _fact(text: str, c: Candidate) -> ReadFact:
    quoted = text[c.start : c.end]
    return ReadFact(
        fact_id=f"{c.kind}:{c.start}-{c.end}",
        kind=c.kind,
        value=quoted,
        span=TextSpan(start=c.start, end=c.end, text=quoted),
        detail=c.detail,
        role=c.role,
        amount=c.amount,
        sensitive=c.sensitive,
    )
