"""The rules that read facts out of a text: each returns candidates with character spans."""

import re
from dataclasses import dataclass

from tanggap_classifier.reading.numbers import Count, count_at
from tanggap_classifier.reading.tokens import PhraseTable, Tok, follows
from tanggap_classifier.reading.vocabulary import ReadingVocabulary
from tanggap_shared.events import Amount, FactKind, FactRole


@dataclass(frozen=True, slots=True)
class Candidate:
    kind: FactKind
    start: int
    end: int
    detail: str = ""
    role: FactRole | None = None
    amount: Amount | None = None
    sensitive: bool = False


_MONTHS = (
    r"januari|februari|pebruari|maret|april|mei|juni|juli|agustus|september|oktober|november|desember"
    r"|jan|feb|mar|apr|jun|jul|agu|agt|ags|agst|sep|sept|okt|nov|des"
)
_FULL_MONTHS = (
    r"januari|februari|pebruari|maret|april|mei|juni|juli|agustus|september|oktober|november|desember"
)
_DATE_RES = (
    # "(8/12/2021)", "(3/11)", and as typed in a hurry "(09/072025)"
    re.compile(r"\(\d{1,2}[/.-]\d{1,2}(?:[/.-]?\d{2,4})?\)"),
    re.compile(r"(?<![\w/.])\d{1,2}/\d{1,2}(?:/\d{2,4})?(?![\w/])"),
    re.compile(r"(?<![\w/.])\d{1,2}-\d{1,2}-\d{4}(?![\w-])"),
    re.compile(r"(?<!\w)\d{4}-\d{2}-\d{2}(?!\w)"),
    # "12 Mei 2025", "22-23 April 2018", and a range in words: "25 hingga 28 Maret 2019"
    re.compile(
        rf"(?<!\w)\d{{1,2}}(?:\s?[-\u2013]\s?\d{{1,2}}|\s+(?:hingga|sampai|s/d|s\.d\.?|dan)\s+\d{{1,2}})?"
        rf"\s+(?:{_MONTHS})\.?(?:\s+\d{{4}})?(?!\w)",
        re.IGNORECASE,
    ),
    # A period: "tahun 2023", "sepanjang tahun 2024", "selama 2017", "sejak 2019"
    re.compile(
        r"(?<!\w)(?:(?:selama|sepanjang|sejak|awal|akhir|pertengahan)\s+)?tahun\s+(?:19|20)\d{2}(?!\w)",
        re.IGNORECASE,
    ),
    re.compile(r"(?<!\w)(?:selama|sepanjang|sejak)\s+(?:19|20)\d{2}(?!\w)", re.IGNORECASE),
    # A month without a day: "bulan Juni", "akhir Desember", "pertengahan Maret" (a full month name only)
    re.compile(
        rf"(?<!\w)(?:(?:awal|akhir|pertengahan|medio)\s+)?(?:bulan\s+)(?:{_FULL_MONTHS})(?:\s+\d{{4}})?(?!\w)",
        re.IGNORECASE,
    ),
    re.compile(
        rf"(?<!\w)(?:awal|akhir|pertengahan|medio)\s+(?:{_FULL_MONTHS})(?:\s+\d{{4}})?(?!\w)", re.IGNORECASE
    ),
    re.compile(rf"(?<!\w)(?:{_MONTHS})\s+\d{{4}}(?!\w)", re.IGNORECASE),
    # A span of months: "selama Januari sampai akhir Maret", "dari Mei hingga Juli 2024"
    re.compile(
        rf"(?<!\w)(?:(?:selama|sejak|dari|antara)\s+)?(?:bulan\s+)?(?:{_FULL_MONTHS})(?:\s+\d{{4}})?"
        rf"\s+(?:sampai|hingga|s/d|dan)\s+(?:(?:awal|akhir|pertengahan)\s+)?(?:{_FULL_MONTHS})(?:\s+\d{{4}})?(?!\w)",
        re.IGNORECASE,
    ),
    re.compile(r"(?<!\w)tanggal\s+\d{1,2}(?!\w)", re.IGNORECASE),
)
_CLOCK_RES = (
    re.compile(
        r"(?<!\w)(?:(?:sekitar|sekira|kurang\s+lebih)\s+)?(?:pukul|pkl\.?|jam)\s*\d{1,2}(?:[.:]\d{2})?"
        r"(?:\s*(?:WIB|WITA|WIT))?(?!\w)",
        re.IGNORECASE,
    ),
    re.compile(r"(?<![\w.:])\d{1,2}[.:]\d{2}\s*(?:WIB|WITA|WIT)(?!\w)", re.IGNORECASE),
)
_MONTH_WORDS = frozenset(_MONTHS.split("|"))
# A count followed by these measures time, money or a place, not how many.
_NOT_A_COUNT_NEXT = frozenset(
    {"kali", "hari", "jam", "menit", "detik", "minggu", "pekan", "bulan", "tahun", "persen", "meter", "km"}
    | {"cm", "juta", "miliar", "triliun", "ribu", "rupiah", "lantai", "tahap", "wib", "wita", "wit", "abad"}
    | {"derajat", "tingkat", "besar", "kecil", "di", "dari"}
    | _MONTH_WORDS
)
# A count after these is a name, a time or a rank: "pukul 3", "Pasal 12", "Blok 3", "ke-5", "Rp 200".
_NOT_A_COUNT_PREV = frozenset(
    {"pukul", "jam", "pkl", "ke", "rp", "pasal", "nomor", "no", "nomer", "uu", "blok", "kamar", "sel"}
    | {"kelas", "tahun", "tanggal", "tgl", "lantai", "angka", "ayat", "ruang", "pos", "tipe", "rt", "rw"}
    | {"gelombang", "tahap", "periode", "pp", "nopol", "usia", "umur", "berusia", "berumur"}
)
# Words that may stand between a count's noun and what happened: "dua napi Lapas X yang telah kabur".
_FILLER = frozenset(
    {"yang", "telah", "sudah", "dilaporkan", "diketahui", "diduga", "berhasil", "nekat", "ditemukan"}
    | {"mengalami", "dalam", "keadaan", "kondisi", "lainnya", "juga", "pun", "ikut", "turut", "tersebut"}
    | {"itu", "lain", "akhirnya", "langsung", "kembali", "sempat", "dikabarkan", "disebut", "dari", "di"}
    | {"lapas", "rutan", "lpka", "kelas", "i", "ii", "iia", "iib", "iii", "dilarikan", "mereka"}
)
_FORWARD = frozenset({"sebanyak", "mencapai", "menjadi", "bertambah", "hingga", "total", "ada", "berjumlah"})
_RELATIVE_UNITS = frozenset({"hari", "pekan", "minggu", "bulan", "tahun", "jam", "malam"})
_RELATIVE_ENDS = frozenset({"lalu", "silam", "sebelumnya", "kemarin", "terakhir", "ini", "belakangan"})
# "tiga hari setelah kerusuhan": a count of days from another event is a time too.
_RELATIVE_ENDS |= frozenset({"setelah", "sesudah", "usai", "sebelum", "menjelang", "sejak"})
_RELATIVE_LEADS = frozenset({"dalam", "selama", "sejak", "sekitar"})
_NOT_SUNDAY_NEXT = frozenset({"lalu", "depan", "ini", "ke", "terakhir", "kemarin", "pertama"})
_ONE_PERSON = frozenset({"seorang", "sesosok"})
# One of a measure in one word ("sebungkus roti"): the word itself is the amount.
_ONE_MEASURE = frozenset({"sebuah", "sebungkus", "sebutir", "sepaket", "selembar", "sebotol", "sepucuk"})
_ROOM_WORDS = frozenset({"kamar", "sel", "ruang"})
_BLOCK_CODE = re.compile(r"[A-Z]{1,3}\d{0,3}[A-Za-z]?|[A-Za-z]{1,2}\d{1,3}|\d{1,3}[A-Za-z]?|[A-Z][a-z]{2,}")


def span(toks: list[Tok], i: int, j: int) -> tuple[int, int]:
    return toks[i].start, toks[j - 1].end


def regex_when(text: str) -> list[Candidate]:
    found = [Candidate("when", m.start(), m.end(), "date") for r in _DATE_RES for m in r.finditer(text)]
    found += [Candidate("when", m.start(), m.end(), "clock") for r in _CLOCK_RES for m in r.finditer(text)]
    return found


def token_when(toks: list[Tok], vocab: ReadingVocabulary) -> list[Candidate]:
    found = [Candidate("when", *span(toks, h.i, h.j), h.payload) for h in vocab.days.scan(toks)]
    found += [
        Candidate("when", *span(toks, h.i, h.j), "day")
        for h in vocab.cased_days.scan(toks)
        if _is_sunday(toks, h.i)
    ]
    for h in vocab.when_phrases.scan(toks):
        # "sekitar sebulan lalu", "sejak setahun terakhir": the lead word belongs to the time.
        lead = h.payload == "relative" and h.i > 0 and toks[h.i - 1].low in _RELATIVE_LEADS
        found.append(Candidate("when", *span(toks, h.i - 1 if lead else h.i, h.j), h.payload))
    return found + _relative_counts(toks)


def _is_sunday(toks: list[Tok], i: int) -> bool:
    # "Minggu" is also "week": not after a count ("dua Minggu") nor before "lalu"/"depan"/"ini".
    after = toks[i + 1].low if follows(toks, i + 1) else ""
    counted = i > 0 and count_at(toks, i - 1) is not None
    return not counted and after not in _NOT_SUNDAY_NEXT


def _relative_counts(toks: list[Tok]) -> list[Candidate]:
    """'dua hari lalu', 'tiga minggu silam', '3 bulan terakhir', 'beberapa hari ini'."""
    found: list[Candidate] = []
    for i in range(len(toks)):
        c = count_at(toks, i)
        if (
            c is None
            or not follows(toks, c.j)
            or not follows(toks, c.j + 1)
            or toks[c.j].low not in _RELATIVE_UNITS
        ):
            continue
        end = c.j + 1
        if toks[end].low == "yang" and follows(toks, end + 1):
            end += 1
        if toks[end].low in _RELATIVE_ENDS or toks[end].low.startswith("pasca"):
            # "dalam dua pekan terakhir", "dua hari pascakericuhan"
            start = (
                c.i - 1 if c.i > 0 and toks[c.i - 1].low in _RELATIVE_LEADS and follows(toks, c.i) else c.i
            )
            found.append(Candidate("when", *span(toks, start, end + 1), "relative"))
    return found


def where(toks: list[Tok], vocab: ReadingVocabulary) -> list[Candidate]:
    found = [Candidate("where", *span(toks, h.i, h.j), h.payload) for h in vocab.where.scan(toks)]
    for i, tok in enumerate(toks[:-1]):
        nxt = toks[i + 1]
        if not nxt.joined:
            continue
        if tok.low == "blok" and (_BLOCK_CODE.fullmatch(nxt.raw) or nxt.low in vocab.block_names):
            found.append(Candidate("where", *span(toks, i, i + 2), "block"))
        elif tok.low in _ROOM_WORDS:
            j = i + 2 if nxt.low in ("nomor", "no") and follows(toks, i + 2) else i + 1
            if re.fullmatch(r"\d{1,3}[A-Za-z]?", toks[j].raw):
                found.append(Candidate("where", *span(toks, i, j + 1), "room"))
    return found


def who(toks: list[Tok], vocab: ReadingVocabulary) -> list[Candidate]:
    hits = vocab.who.scan(toks) + vocab.anak_cased.scan(toks)
    return [
        Candidate("who", *span(toks, h.i, h.j), role=h.payload)
        for h in hits
        if not (h.payload == "tahanan" and _not_a_detainee(toks, h.i, h.j))
    ]


def _not_a_detainee(toks: list[Tok], i: int, j: int) -> bool:
    # "rumah tahanan" is the building; "tahanan rumah/kota" is house or town arrest, not in custody.
    before = i > 0 and toks[i - 1].low == "rumah" and toks[i].joined
    after = follows(toks, j) and toks[j].low in ("rumah", "kota")
    return before or after


def phrases(toks: list[Tok], vocab: ReadingVocabulary) -> list[Candidate]:
    """what, how, source and reach: plain phrase look-ups."""
    found = [Candidate("what", *span(toks, h.i, h.j)) for h in vocab.what.scan(toks)]
    found += [Candidate("how", *span(toks, h.i, h.j), sensitive=h.payload) for h in vocab.how.scan(toks)]
    found += [Candidate("source", *span(toks, h.i, h.j), h.payload) for h in vocab.source.scan(toks)]
    found += [Candidate("reach", *span(toks, h.i, h.j), h.payload) for h in vocab.reach.scan(toks)]
    return found


# --- counts and casualties --------------------------------------------------------------------------


def _amount(text: str, toks: list[Tok], c: Count) -> Amount:
    start, end = span(toks, c.i, c.j)
    return Amount(words=text[start:end], low=c.low, high=c.high, exact=c.exact)


def counts(text: str, toks: list[Tok], vocab: ReadingVocabulary) -> list[Candidate]:
    """Amounts, casualties with a count, and guard counts; then casualty words without a count."""
    found, claimed = _no_casualty(text, toks, vocab)
    # "menewaskan 41 narapidana": the verb owns its count before the count is read as a headcount.
    found += _casualty_words(text, toks, claimed, vocab.casualty_verbs, vocab, needs_count=True)
    i = 0
    while i < len(toks):
        c = count_at(toks, i) if i not in claimed else None
        if c is None or not _is_headcount(toks, c, text):
            i += 1
            continue
        facts, used_to = _read_count(text, toks, c, vocab)
        found += facts
        claimed.update(range(c.i, used_to if facts else c.j))
        i = c.j
    return found + _casualty_words(text, toks, claimed, vocab.casualty, vocab, needs_count=False)


def _is_headcount(toks: list[Tok], c: Count, text: str) -> bool:
    if c.i > 0 and toks[c.i - 1].low in _NOT_A_COUNT_PREV and not _ke_then_count(toks, c, text):
        return False
    if toks[c.i].low in _ONE_PERSON or _among_them(toks, c.j):
        return True  # "seorang di antara mereka", "beberapa di antaranya": people just named
    return not (c.j < len(toks) and toks[c.j].low in _NOT_A_COUNT_NEXT)


def _ke_then_count(toks: list[Tok], c: Count, text: str) -> bool:
    # "ke-5" and "ke5" are ranks; "ke dua Lapas" (to two prisons) is a count after a preposition.
    before = toks[c.i - 1]
    return before.low == "ke" and text[before.end : toks[c.i].start] == " "


def _read_count(
    text: str, toks: list[Tok], c: Count, vocab: ReadingVocabulary
) -> tuple[list[Candidate], int]:
    k, detail = _noun_after(toks, c.j, vocab)
    m = k
    for _ in range(5):
        if not follows(toks, m) or not (toks[m].low in _FILLER or toks[m].raw[:1].isupper()):
            break
        if vocab.casualty.match_at(toks, m) or vocab.escape_words.match_at(toks, m):
            break
        m += 1
    amount = _amount(text, toks, c)
    event = _event_at(toks, m, vocab) if follows(toks, m) else None
    if event is not None and event[1] in ("deaths", "injuries"):
        return [Candidate("casualty", *span(toks, c.i, event[0]), event[1], amount=amount)], event[0]
    if event is not None:
        detail = "escapees"
    elif k == c.j and toks[c.i].low in _ONE_PERSON:
        detail = "people"  # "seorang di antara mereka": the word itself says one person
    elif k == c.j and toks[c.i].low in _ONE_MEASURE:
        detail = "items"
    elif k == c.j and _among_them(toks, c.j):
        detail = "people"  # "beberapa di antaranya": some of the people just named
    elif k == c.j and not (c.i > 0 and toks[c.i - 1].low in vocab.lead_words):
        return [], c.j  # a bare number: not known to be a headcount
    facts = [Candidate("amount", *span(toks, c.i, k), detail, amount=amount)]
    guard = _guard_lead(toks, c.i, vocab) if detail == "officers" else None
    if guard is not None:
        facts = [Candidate("amount", *span(toks, c.i, k), detail, amount=amount, sensitive=True)]
        facts.append(Candidate("how", *span(toks, guard, k), "guard_count", sensitive=True))
    return facts, k


def _among_them(toks: list[Tok], j: int) -> bool:
    return (
        follows(toks, j)
        and toks[j].low == "di"
        and follows(toks, j + 1)
        and toks[j + 1].low in {"antara", "antaranya"}
    )


def _noun_after(toks: list[Tok], j: int, vocab: ReadingVocabulary) -> tuple[int, str]:
    if not follows(toks, j):
        return j, ""
    hit = vocab.count_nouns.match_at(toks, j)
    if hit is None:
        return j, ""
    if hit.payload == "people" and follows(toks, hit.j):
        # "dua orang warga binaan": the second noun says who.
        second = vocab.count_nouns.match_at(toks, hit.j)
        if second is not None:
            return second.j, second.payload
    return hit.j, hit.payload


def _event_at(toks: list[Tok], m: int, vocab: ReadingVocabulary) -> tuple[int, str] | None:
    if m >= len(toks):
        return None
    for table in (vocab.casualty, vocab.counted_casualty, vocab.escape_words):
        hit = table.match_at(toks, m)
        if hit is not None:
            return hit.j, hit.payload
    return None


def _guard_lead(toks: list[Tok], i: int, vocab: ReadingVocabulary) -> int | None:
    for back in (3, 2, 1):  # the longest lead first: "hanya dijaga" before "dijaga"
        start = i - back
        if start >= 0:
            hit = vocab.guard_lead.match_at(toks, start)
            if hit is not None and hit.j == i:
                return start
    return None


def _no_casualty(text: str, toks: list[Tok], vocab: ReadingVocabulary) -> tuple[list[Candidate], set[int]]:
    found: list[Candidate] = []
    claimed: set[int] = set()
    for h in vocab.no_casualty.scan(toks):
        start, end = span(toks, h.i, h.j)
        zero = Amount(words=text[start:end], low=0, high=0, exact=True)
        found.append(Candidate("casualty", start, end, h.payload, amount=zero))
        claimed.update(range(h.i, h.j))
    return found, claimed


def _casualty_words(
    text: str,
    toks: list[Tok],
    claimed: set[int],
    table: PhraseTable[str],
    vocab: ReadingVocabulary,
    *,
    needs_count: bool,
) -> list[Candidate]:
    """'tewas sebanyak 41 orang', 'menewaskan dua napi', or a death word with no count at all."""
    found: list[Candidate] = []
    for h in table.scan(toks):
        if any(k in claimed for k in range(h.i, h.j)):
            continue
        j = h.j
        while follows(toks, j) and toks[j].low in _FORWARD and j < h.j + 2:
            j += 1
        c = count_at(toks, j) if follows(toks, j) else None
        if c is not None and _is_headcount(toks, c, text) and c.i not in claimed:
            end = _noun_after(toks, c.j, vocab)[0]
            amount = _amount(text, toks, c)
            found.append(Candidate("casualty", *span(toks, h.i, end), h.payload, amount=amount))
            claimed.update(range(h.i, end))
        elif not needs_count:
            found.append(Candidate("casualty", *span(toks, h.i, h.j), h.payload))
    return found
