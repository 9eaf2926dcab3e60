"""Reading Indonesian report text: normalisation, tokens with sentence and clause boundaries, whole-word
phrase matching, negation scope and counts written in digits or Indonesian number words.

Matching is on whole tokens, never substrings: "kabur" does not fire inside "kaburkan"/"mengaburkan"
(to obscure). The enclitic "-nya" is stripped ("kaburnya", "tewasnya") only when the stem is a word the
policy knows, so "hanya" stays "hanya". Beyond the listed forms, a phrase also matches inflected forms
of its words (same Sastrawi root: "dianiaya" for "penganiayaan", "dilarikan" for "pelarian"), under
three guards: the listed (exact) forms are tried first, so "dilarikan ke rumah sakit" can be excluded
by name; only an affixed word in the text matches by root (a bare "lari" in "lomba lari" does not); and
roots shared by phrases that mean different things ("bakar": arson or fire) or listed in the policy's
stem stop-list ("bina" in "warga binaan" vs "pembinaan") never match by root.
"""

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

T = TypeVar("T")
Stemmer = Callable[[str], str]

_TOKEN_RE = re.compile(
    r"(?P<time>\d{1,2}[.:]\d{2})(?![\d])"  # 21.00 is a time, not a sentence end
    r"|(?P<num>\d+(?:[.,]\d{3})*(?:,\d+)?)(?![a-z0-9])"
    r"|(?P<word>[a-z0-9]+)"
    r"|(?P<sent>[.!?\n]+)"
    r"|(?P<clause>[,;()\[\]\u2013\u2014]|\s-\s)"
)
_LINK_RE = re.compile(r"(?:https?://|www\.)\S+")
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})

# A new clause starts at these conjunctions: negation and counts do not reach across them.
CLAUSE_CONJUNCTIONS = frozenset({"namun", "tetapi", "tapi", "sedangkan", "sementara", "melainkan", "padahal"})

NEGATION_WINDOW = 5  # tokens between a negator and the term it negates ("tidak ada warga binaan yang tewas")
POST_NEGATION_WINDOW = 3  # "korban jiwa nihil", "kabar itu tidak benar"
SENTENCE_COUNT_WINDOW = 20  # tokens between a sentence's subject count and its verb, across commas

# The Indonesian digits as words; the fact reader counts with the same table.
NUMBER_UNITS = {
    "satu": 1,
    "dua": 2,
    "tiga": 3,
    "empat": 4,
    "lima": 5,
    "enam": 6,
    "tujuh": 7,
    "delapan": 8,
    "sembilan": 9,
}
_SE_WORDS = {"sepuluh": 10, "sebelas": 11, "seratus": 100}
_MULTIPLIERS = {"puluh", "ratus", "ribu", "belas"}
# Whole-word counts: one word is the number and implies a person where it matters ("seorang").
_STANDALONE = {
    "seorang": 1,
    "sesosok": 1,
    "seribu": 1000,
    "kedua": 2,
    "keduanya": 2,
}
# Vague amounts are ranges, never a number made up: "ratusan" is 100-999, "puluhan" at least ten.
# The low end sets a tier ("ratusan napi kabur" is a mass escape); reasons quote the words.
VAGUE_AMOUNTS: dict[str, tuple[int, int | None]] = {
    "beberapa": (2, None),
    "sejumlah": (2, None),
    "belasan": (11, 19),
    "puluhan": (10, 99),
    "ratusan": (100, 999),
    "ribuan": (1000, 9999),
    "puluhan ribu": (10000, 99999),
    "ratusan ribu": (100000, 999999),
}
_IMPLIES_PERSON = {"seorang", "sesosok"}

# Words that may sit between a count and the event word: "dua orang warga binaan yang telah kabur".
COUNT_FILLER = frozenset(
    {
        "orang",
        "yang",
        "sebanyak",
        "sedikitnya",
        "setidaknya",
        "total",
        "telah",
        "sudah",
        "dilaporkan",
        "diduga",
        "berhasil",
        "nekat",
        "pun",
        "juga",
        "lainnya",
        "korban",
        "ikut",
        "turut",
        "pria",
        "wanita",
        "perempuan",
        "laki",
    }
)
# Words between the event word and a count after it: "tewas sebanyak 41 orang", "bertambah menjadi 44".
FORWARD_FILLER = frozenset(
    {"sebanyak", "berjumlah", "mencapai", "menjadi", "bertambah", "sekitar", "total", "ada", "hingga"}
    | {"sedikitnya", "setidaknya", "lebih", "dari", "kurang", "orang", "yang"}
)
# A number followed by these measures something else: "dua kali", "5 gram", "Rp 200 juta".
NOT_A_HEADCOUNT = frozenset(
    {"kali", "hari", "jam", "menit", "detik", "minggu", "bulan", "tahun", "gram", "kilogram", "kg"}
    | {"meter", "persen", "unit", "buah", "paket", "butir", "blok", "kamar", "lantai", "rupiah", "juta"}
    | {"miliar", "triliun", "km", "cm", "liter", "pucuk", "bungkus", "ons", "lembar", "tahap"}
)


def normalise(text: str) -> str:
    """Unicode-compatible, lower-case, straight quotes (the token regex does the rest)."""
    return unicodedata.normalize("NFKC", text).translate(_QUOTES).lower()


def phrase_tokens(phrase: str) -> tuple[str, ...]:
    """The tokens of a policy phrase, read the same way as report text ("huru-hara" = "huru hara")."""
    return tuple(t.text for t in _tokenise(normalise(phrase), frozenset()))


@dataclass(frozen=True)
class Token:
    text: str
    sentence: int
    clause: int
    start: int  # character offsets in the normalised text, to quote it back
    end: int


@dataclass(frozen=True)
class NumberSpan:
    start: int
    end: int
    value: int  # the low end of a range
    high: int | None = None  # None: no upper bound known ("sejumlah")
    exact: bool = True


@dataclass
class Document:
    """Tokens of a text with sentence and clause numbers, and the counts written in it."""

    source: str
    tokens: list[Token]
    numbers: list[NumberSpan] = field(default_factory=list)
    stems: list[str] = field(default_factory=list)
    inflected: list[bool] = field(default_factory=list)  # the word may match a phrase by its root
    # Hits of each matcher in this document, found once: a two-part phrase looks for its partner in
    # every sentence, which was quadratic in a 20,000-character report.
    # Keyed by id, holding the matcher itself so that the id cannot be reused while the document lives.
    found: dict[int, tuple[Any, list[Any]]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._by_end = {n.end: n for n in self.numbers}
        self._by_start = {n.start: n for n in self.numbers}
        if not self.stems:
            self.stems = [t.text for t in self.tokens]
            self.inflected = [False] * len(self.tokens)
        self.words = [t.text for t in self.tokens]
        # Where each word and each root occurs: a matcher only looks where one of its phrases can start.
        self.word_at: dict[str, list[int]] = {}
        self.stem_at: dict[str, list[int]] = {}
        for i, (word, root) in enumerate(zip(self.words, self.stems, strict=True)):
            self.word_at.setdefault(word, []).append(i)
            self.stem_at.setdefault(root, []).append(i)

    def surface(self, start: int, end: int) -> str:
        """The text of tokens [start, end) as written (lower-case)."""
        return self.source[self.tokens[start].start : self.tokens[end - 1].end]

    def same_clause(self, i: int, j: int) -> bool:
        return self.tokens[i].clause == self.tokens[j].clause

    def number_ending_at(self, end: int) -> NumberSpan | None:
        return self._by_end.get(end)

    def number_starting_at(self, start: int) -> NumberSpan | None:
        return self._by_start.get(start)


def read(
    text: str,
    vocabulary: frozenset[str] = frozenset(),
    stemmer: Stemmer | None = None,
    stem_stoplist: frozenset[str] = frozenset(),
) -> Document:
    """Tokenise `text`; `vocabulary` holds the words the policy knows (to strip "-nya" safely);
    with a `stemmer`, each word also gets its root, unless the word or its root is stop-listed.
    """
    source = normalise(text)
    tokens = _tokenise(source, vocabulary)
    if stemmer is None:
        return Document(source, tokens, _numbers(tokens))
    stems = [stemmer(t.text) for t in tokens]
    inflected = [
        root != t.text and t.text not in stem_stoplist and root not in stem_stoplist
        for t, root in zip(tokens, stems, strict=True)
    ]
    return Document(source, tokens, _numbers(tokens), stems, inflected)


def _tokenise(source: str, vocabulary: frozenset[str]) -> list[Token]:
    tokens: list[Token] = []
    sentence = clause = 0
    links = [(m.start(), m.end()) for m in _LINK_RE.finditer(source)]
    link: tuple[int, int] | None = None
    for m in _TOKEN_RE.finditer(source):
        kind = m.lastgroup
        inside = next((span for span in links if span[0] <= m.start() < span[1]), None)
        if inside != link:  # a link is a sentence of its own
            sentence, clause, link = sentence + 1, clause + 1, inside
        if inside is not None and kind in ("num", "time", "sent", "clause"):
            continue  # the words of a link's slug still count, its numbers ("/2025/11/") never do
        if kind == "sent":
            sentence, clause = sentence + 1, clause + 1
            continue
        if kind == "clause":
            clause += 1
            continue
        word = m.group()
        if kind == "word":
            word = _strip_nya(word, vocabulary)
            if word in CLAUSE_CONJUNCTIONS:
                clause += 1
        previous = tokens[-1] if tokens else None
        if previous and previous.text == word and source[previous.end : m.start()] == "-":
            # A reduplicated plural is one term: "luka-luka" is "luka", "sabu-sabu" is "sabu".
            tokens[-1] = Token(word, sentence, clause, previous.start, m.end())
            continue
        tokens.append(Token(word, sentence, clause, m.start(), m.end()))
    return tokens


def _strip_nya(word: str, vocabulary: frozenset[str]) -> str:
    if word.endswith("nya") and len(word) > 5 and word[:-3] in vocabulary:
        return word[:-3]
    return word


def _numbers(tokens: list[Token]) -> list[NumberSpan]:
    spans: list[NumberSpan] = []
    i = 0
    while i < len(tokens):
        span = _number_at(tokens, i)
        if span is None:
            i += 1
            continue
        spans.append(span)
        i = span.end
    return spans


def _number_at(tokens: list[Token], i: int) -> NumberSpan | None:
    word = tokens[i].text
    if word[0].isdigit() and _is_digits(word):
        value = _digits_value(word)
        return NumberSpan(i, i + 1, value, value)
    if word in _STANDALONE:
        return NumberSpan(i, i + 1, _STANDALONE[word], _STANDALONE[word])
    if word in VAGUE_AMOUNTS:
        return _vague_at(tokens, i)
    if word not in NUMBER_UNITS and word not in _SE_WORDS:
        return None
    end = i
    while end < len(tokens) and _continues_number(tokens, i, end):
        end += 1
    value = words_value([t.text for t in tokens[i:end]])
    return NumberSpan(i, end, value, value)


def _vague_at(tokens: list[Token], i: int) -> NumberSpan:
    """ "puluhan" or "puluhan ribu": the longest vague amount starting at token i."""
    word = tokens[i].text
    nxt = tokens[i + 1].text if i + 1 < len(tokens) and tokens[i + 1].sentence == tokens[i].sentence else ""
    two = f"{word} {nxt}"
    if two in VAGUE_AMOUNTS:
        low, high = VAGUE_AMOUNTS[two]
        return NumberSpan(i, i + 2, low, high, exact=False)
    low, high = VAGUE_AMOUNTS[word]
    return NumberSpan(i, i + 1, low, high, exact=False)


def _continues_number(tokens: list[Token], start: int, j: int) -> bool:
    word = tokens[j].text
    if tokens[j].sentence != tokens[start].sentence:
        return False
    if j == start:
        return True
    previous = tokens[j - 1].text
    if word in _MULTIPLIERS:
        return previous in NUMBER_UNITS or (word == "ribu" and previous in _MULTIPLIERS | set(_SE_WORDS))
    # "dua tiga" (two or three) is not one number; "seratus dua" is.
    return (word in NUMBER_UNITS or word in _SE_WORDS) and previous not in NUMBER_UNITS


def words_value(words: list[str]) -> int:
    """Indonesian number words: "dua puluh tiga" = 23, "seratus dua belas" = 112, "seribu dua" = 1002.

    The engine and the fact reader both count with it."""
    total = below_thousand = pending = 0
    for word in words:
        if word in NUMBER_UNITS:
            pending += NUMBER_UNITS[word]
        elif word == "seribu":
            total += 1000
        elif word in _SE_WORDS:
            below_thousand += _SE_WORDS[word]
        elif word == "belas":
            below_thousand, pending = below_thousand + pending + 10, 0
        elif word == "puluh":
            below_thousand, pending = below_thousand + pending * 10, 0
        elif word == "ratus":
            below_thousand, pending = below_thousand + pending * 100, 0
        elif word == "ribu":
            total, below_thousand, pending = total + (below_thousand + pending) * 1000, 0, 0
    return total + below_thousand + pending


def _is_digits(word: str) -> bool:
    return bool(re.fullmatch(r"\d+(?:[.,]\d+)*", word))


def _digits_value(word: str) -> int:
    # Indonesian writes thousands with dots and decimals with a comma: 1.200 = 1200, 2,5 ≈ 2.
    return int(word.split(",")[0].replace(".", ""))


@dataclass(frozen=True)
class Hit(Generic[T]):
    """A phrase found at tokens [start, end)."""

    start: int
    end: int
    phrase: str
    payload: T


class Matcher(Generic[T]):
    """Finds phrases as whole-token sequences, longest first, within one sentence, without overlaps.

    `exclude` phrases consume their tokens without producing a hit, so "percobaan bunuh diri" (an
    attempt) hides the "bunuh diri" inside it, and "botol air mineral" is not a smuggled phone. With a
    `stemmer`, a phrase not found as written is tried again by the roots of its words (see module doc).
    """

    def __init__(
        self, entries: Iterable[tuple[str, T]], exclude: Iterable[str] = (), stemmer: Stemmer | None = None
    ) -> None:
        # first token → [(tokens, (payload,) or None for an exclusion)], longest first
        self._table: dict[str, list[tuple[tuple[str, ...], tuple[T] | None]]] = {}
        for phrase, payload in entries:
            self._add(phrase_tokens(phrase), (payload,))
        for phrase in exclude:
            self._add(phrase_tokens(phrase), None)
        for options in self._table.values():
            options.sort(key=lambda option: -len(option[0]))
        self._roots = self._root_table(stemmer) if stemmer else {}
        self._firsts = frozenset(self._table)
        self._root_firsts = frozenset(self._roots)

    def _add(self, tokens: tuple[str, ...], boxed: tuple[T] | None) -> None:
        options = self._table.setdefault(tokens[0], [])
        options[:] = [o for o in options if o[0] != tokens]
        options.append((tokens, boxed))

    def _root_table(self, stemmer: Stemmer) -> dict[str, list[tuple[tuple[str, ...], tuple[T] | None]]]:
        """Phrases by the roots of their words; a root sequence claimed by two meanings is dropped."""
        claims: dict[tuple[str, ...], list[tuple[T] | None]] = {}
        for options in self._table.values():
            for tokens, boxed in options:
                found = claims.setdefault(tuple(stemmer(t) for t in tokens), [])
                if boxed not in found:
                    found.append(boxed)
        table: dict[str, list[tuple[tuple[str, ...], tuple[T] | None]]] = {}
        for roots, meanings in claims.items():
            if len(meanings) == 1:
                table.setdefault(roots[0], []).append((roots, meanings[0]))
        for options in table.values():
            options.sort(key=lambda option: -len(option[0]))
        return table

    @property
    def vocabulary(self) -> frozenset[str]:
        return frozenset(word for options in self._table.values() for option in options for word in option[0])

    @property
    def roots(self) -> dict[tuple[str, ...], tuple[T] | None]:
        """Root sequences that match by stem (for review of a policy's lexicon)."""
        return {roots: boxed for options in self._roots.values() for roots, boxed in options}

    def find(self, doc: Document) -> list[Hit[T]]:
        """The hits in `doc`, computed once per document (callers must not change the list)."""
        entry = doc.found.get(id(self))
        if entry is not None and entry[0] is self:
            hits: list[Hit[T]] = entry[1]
            return hits
        hits = self._find(doc)
        doc.found[id(self)] = (self, hits)
        return hits

    def _find(self, doc: Document) -> list[Hit[T]]:
        # Left to right over the positions where a phrase of this matcher can start (a word or a root
        # it knows), the same as trying every token, without the tokens that cannot start one.
        starts: set[int] = set()
        for word in self._firsts & doc.word_at.keys():
            starts.update(doc.word_at[word])
        for root in self._root_firsts & doc.stem_at.keys():
            starts.update(doc.stem_at[root])
        hits: list[Hit[T]] = []
        words = doc.words
        taken = 0  # tokens before this are inside an earlier hit or exclusion
        for i in sorted(starts):
            if i < taken:
                continue
            found = self._match_at(doc, words, i) or self._root_match_at(doc, words, i)
            if found is None:
                continue
            end = i + len(found[0])
            if found[1] is not None:
                hits.append(Hit(i, end, doc.surface(i, end), found[1][0]))
            taken = end
        return hits

    def _match_at(
        self, doc: Document, words: list[str], i: int
    ) -> tuple[tuple[str, ...], tuple[T] | None] | None:
        for option in self._table.get(words[i], ()):
            end = i + len(option[0])
            if tuple(words[i:end]) == option[0] and doc.tokens[end - 1].sentence == doc.tokens[i].sentence:
                return option
        return None

    def _root_match_at(
        self, doc: Document, words: list[str], i: int
    ) -> tuple[tuple[str, ...], tuple[T] | None] | None:
        for roots, boxed in self._roots.get(doc.stems[i], ()):
            end = i + len(roots)
            if end > len(words) or doc.tokens[end - 1].sentence != doc.tokens[i].sentence:
                continue
            span = range(i, end)
            same_roots = tuple(doc.stems[i:end]) == roots
            # Each word is the root itself or an inflected form, and at least one is inflected.
            if (
                same_roots
                and any(doc.inflected[j] for j in span)
                and all(doc.inflected[j] or words[j] == doc.stems[j] for j in span)
            ):
                return roots, boxed
        return None


def negated(
    doc: Document, hits: Iterable[tuple[int, int]], negators: list[Hit[None]], post: list[Hit[None]]
) -> set[tuple[int, int]]:
    """The (start, end) spans a negator reaches: the first term after "tidak ada"/"tanpa"/"bukan" in the
    same clause (so "tidak ada korban jiwa dalam kebakaran" negates the deaths, not the fire), or the
    last term before "nihil"/"tidak benar".
    """
    spans = sorted(set(hits))
    out: set[tuple[int, int]] = set()
    for neg in negators:
        after = [
            s
            for s in spans
            if s[0] >= neg.end and s[0] - neg.end < NEGATION_WINDOW and doc.same_clause(s[0], neg.end - 1)
        ]
        if after:
            first = min(after)
            out.update(s for s in after if s[0] < first[1])
    for pn in post:
        before = [
            s
            for s in spans
            if s[1] <= pn.start
            and pn.start - s[1] < POST_NEGATION_WINDOW
            and doc.same_clause(s[1] - 1, pn.start)
        ]
        if before:
            last = max(before, key=lambda s: (s[1], -s[0]))
            out.update(s for s in before if s[1] > last[0])
    return out


@dataclass(frozen=True)
class Count:
    """A headcount next to an event word: `value` is the low end, `words` the report's own words for
    it ("ratusan napi", "41 orang"), which is what reasons print."""

    value: int
    start: int
    end: int
    words: str = ""
    high: int | None = None
    exact: bool = True


def count_near(doc: Document, start: int, end: int, person_first: frozenset[str]) -> Count | None:
    """The number of people an event word at [start, end) is about, if the text says it.

    Tried in order: a count right before it (only filler between: "41 tewas", "dua napi kabur"); a count
    right after it ("tewas sebanyak 41 orang", "menewaskan dua napi"); the nearest count attached to a
    person noun earlier in the same clause ("Dua narapidana Lapas X kabur").
    """
    filler = COUNT_FILLER | person_first
    i = start - 1
    while i >= 0 and doc.same_clause(i, start) and doc.tokens[i].text in filler:
        i -= 1
    before = doc.number_ending_at(i + 1) if i >= 0 and doc.same_clause(i, start) else None
    if before is not None and _is_headcount(doc, before):
        return _count(doc, before, before.start, end, person_first)
    j = end
    while j < len(doc.tokens) and doc.same_clause(j, end - 1) and doc.tokens[j].text in FORWARD_FILLER:
        j += 1
    after = doc.number_starting_at(j) if j < len(doc.tokens) and doc.same_clause(j, end - 1) else None
    if after is not None and _is_headcount(doc, after):
        return _count(doc, after, start, after.end, person_first)
    earlier = [n for n in sorted(doc.numbers, key=lambda n: -n.start) if n.end <= start]
    for span in earlier:
        if doc.same_clause(span.start, start) and _is_person_count(doc, span, person_first):
            return _count(doc, span, span.start, end, person_first)
    # The subject of the sentence, across the commas of a place name: "Sebanyak lima narapidana di
    # Lapas Biaro, Bukittinggi, Sumatera Barat, pada Jumat dini hari melarikan diri".
    for span in earlier:
        same_sentence = doc.tokens[span.start].sentence == doc.tokens[start].sentence
        if (
            same_sentence
            and start - span.end <= SENTENCE_COUNT_WINDOW
            and _is_person_count(doc, span, person_first)
        ):
            return _count(doc, span, span.start, end, person_first)
        break  # only the nearest earlier count: another one between would be about something else
    return None


def _count(doc: Document, span: NumberSpan, start: int, end: int, person_first: frozenset[str]) -> Count:
    # The amount with the noun it counts ("ratusan napi"), as written; never a number we made up.
    noun_end = span.end
    while noun_end < len(doc.tokens) and noun_end - span.end < 2 and doc.same_clause(noun_end, span.start):
        word = doc.tokens[noun_end].text
        if word not in person_first and word not in {"orang", "binaan"}:
            break
        noun_end += 1
    return Count(span.value, start, end, doc.surface(span.start, noun_end), span.high, span.exact)


def _is_headcount(doc: Document, span: NumberSpan) -> bool:
    if span.start > 0 and doc.tokens[span.start - 1].text == "ke":  # "ke-80" is an ordinal
        return False
    first, last = doc.tokens[span.start], doc.tokens[span.end - 1]
    if doc.source[first.start - 1 : first.start] == "(" and doc.source[last.end : last.end + 1] == ")":
        return False  # an age after a name: "Nova Aldiansyah (27) warga Wonogiri"
    nxt = doc.tokens[span.end].text if span.end < len(doc.tokens) else ""
    return nxt not in NOT_A_HEADCOUNT


def _is_person_count(doc: Document, span: NumberSpan, person_first: frozenset[str]) -> bool:
    if not _is_headcount(doc, span):
        return False
    if doc.tokens[span.start].text in _IMPLIES_PERSON:
        return True
    k = span.end
    if k < len(doc.tokens) and doc.tokens[k].text == "orang":
        return True
    return k < len(doc.tokens) and doc.tokens[k].text in person_first
