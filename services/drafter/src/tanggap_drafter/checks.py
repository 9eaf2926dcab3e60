"""Automatic checks on every draft (DOMAIN.md §6.8), reported as findings with a severity.

Blocking findings carry an `excerpt` that is an exact substring of the draft: the intake refuses
approval while the excerpt is still in the text, so editing it out is what unblocks a draft.

The facts-only rule: every number (in digits or in words), date and proper name in a draft must come
from the report, the unit's reference data, or the drafter's own approved wording (templates, phrases,
library items used); anything else was invented and is blocking.

Name detection is a heuristic, written down so nobody trusts it blindly: a capitalised word is a
possible name when it is not in the drafter's vocabulary and not an Indonesian root word (Sastrawi's
dictionary); a run of two or more such words is treated as a full name.
"""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from tanggap_drafter.context import INTERNAL_KINDS, authored_texts
from tanggap_drafter.lexical import is_root_word, stem
from tanggap_drafter.patterns import HEDGE, SECURITY, VERDICT
from tanggap_drafter.render import static_template_text
from tanggap_drafter.wording import KNOWN_WORDS
from tanggap_shared.contracts import DraftKind
from tanggap_shared.events import Finding

_INFORMAL_TERM = re.compile(r"\b(napi|narapidana)\b", re.IGNORECASE)
_PLACEHOLDER = re.compile(r"\[([^\[\]\n]{1,120})\]")
_NUMBER = re.compile(r"\d+(?:[.,:/]\d+)*")
# Tanggap's own terms that hold digits, and its placeholders that say who fills them ("[diisi …]"):
# neither is a claim about the incident.
_OWN_TERMS = re.compile(r"\b5W\s*\+\s*1H\b|\b27/9/3\b", re.IGNORECASE)
_FILL_IN = re.compile(r"\[diisi [^\[\]\n]{1,160}\]")
_ENUMERATION = re.compile(r"(?m)^[ \t]*(?:[-•][ \t]*)?\d{1,2}[.)][ \t]")
_URL = re.compile(r"https?://\S+")
_WORD = re.compile(r"[\w\[\]]+(?:[-'’][\w\]]+)*")
_CAPITALISED = re.compile(r"\b[A-Z][A-Za-z'’]*(?:-[A-Za-z]+)*\b")
_LINE_LEAD = re.compile(r"^\s*(?:[-•]|\d{1,2}[.)]|[A-Z][.:])?\s*$")
_DATE_NAMES = (
    "Januari|Februari|Maret|April|Mei|Juni|Juli|Agustus|September|Oktober|November|Desember|"
    "Senin|Selasa|Rabu|Kamis|Jumat|Sabtu|Minggu"
)
_DATE_WORD = re.compile(rf"\b({_DATE_NAMES})\b")

# Institutions and platforms a draft may name without the report naming them.
_INSTITUTIONS = """
    BNN KPK Komnas HAM Ombudsman KPAI DPR DPRD Dewan Pers Kode Etik Jurnalistik Undang-Undang
    Pemasyarakatan Kepolisian Polri Instagram Facebook TikTok WhatsApp YouTube Twitter X WBP UPT APH
    KPLP Ka Kakanwil Kadivpas HALINAR CCTV WIB WITA WIT UTC LPKA DPO KIP SPPA PPRA KUHAP Yth INFO_PAS
    Zero Anak Binaan Klien Kanwil Bapas Lapas Rutan Cabang Kemenimipas Humas Verifikator Fakta
    Juru Bicara Koordinator Pemantau Media Penghubung Supervisor Ketua Penyusun Mentor Pusat
"""
_ROMAN = re.compile(r"^(?:I{1,3}|IV|V|VI{0,3})[AB]?$")

# Identifiers of an Anak (PPRA, UU SPPA Pasal 19): any of these near a child is blocking.
_CHILD_IDENTIFIERS = re.compile(
    r"\b(?:berinisial|inisial|berusia\s+\d+|usia\s+\d+|umur\s+\d+|\d{1,2}\s+tahun|asal|berasal\s+dari|"
    r"alamat|tinggal\s+di|warga\s+(?:desa|kelurahan|kampung|kecamatan)|sekolah|SD|SMP|SMA|SMK|MTs|"
    r"pesantren|siswa|pelajar|murid|orang\s*tua|orangtua|ayah(?:nya)?|ibu(?:nya)?|kakak(?:nya)?|"
    r"adik(?:nya)?|anak\s+(?:dari|kandung|pasangan))\b"
    r"|\b(?:[Dd]esa|[Kk]elurahan|[Kk]ampung|[Dd]usun|[Nn]agari|[Gg]ampong)\s+[A-Z][\w'’-]+"
)
# A sexual crime named in the draft or the report: its victim may not be identified at all (KEJ Pasal 5,
# Seruan Dewan Pers 189/S-DP/VII/2013: not even initials, nor village, school or parents).
_SEXUAL_CRIME = re.compile(
    r"(?i)\b(?:pelecehan\s+seksual|kekerasan\s+seksual|pemerkosaan|perkosaan|diperkosa|pencabulan|"
    r"dicabuli|asusila|rudapaksa|persetubuhan)\b"
)
_VICTIM = re.compile(r"(?i)\bkorban(?:nya)?\b")
# How far after "korban" an identifier is taken to be the victim's.
_VICTIM_WINDOW = 80
_QUOTATION = re.compile(r"[“\"][^”\"\n]{1,80}[”\"]")
# A sentence ends at . ! ? or a line break, but not at the dot of a clock time or a decimal ("03.00").
_SENTENCE = re.compile(r"(?:[^.!?\n]|(?<=\d)\.(?=\d))+[.!?]?")
_AGE_IN_BRACKETS = re.compile(r"\(\d{1,2}\)")
_LETTER_HEADING = re.compile(r"(?m)^[A-Z][.:](?=\s)")
_INITIALS = re.compile(r"\b(?:[A-Z]\.){1,3}(?=\s|$|,)|\b[A-Z]{1,3}\b")

_NUMBER_WORDS = {
    "satu": 1, "dua": 2, "tiga": 3, "empat": 4, "lima": 5, "enam": 6, "tujuh": 7, "delapan": 8,
    "sembilan": 9, "sepuluh": 10, "sebelas": 11, "seratus": 100, "seribu": 1000,
}  # fmt: skip
_MULTIPLIERS = {"belas": 10, "puluh": 10, "ratus": 100, "ribu": 1000, "juta": 1_000_000}
_NUMBER_WORD_RUN = re.compile(
    r"\b(?:(?:" + "|".join([*_NUMBER_WORDS, *_MULTIPLIERS]) + r")\b\s*)+",
    re.IGNORECASE,
)
# Set phrases where a number word is not a quantity.
_IDIOMS = re.compile(r"\b(?:salah satu|satu pintu|satu-satunya|satu per satu|kedua belah)\b", re.IGNORECASE)

_SECTIONS: dict[DraftKind, tuple[tuple[str, str], ...]] = {
    DraftKind.HOLDING_STATEMENT: (
        ("empati", r"(?i)prihatin|keprihatinan|duka|empati|menyesalkan"),
        ("fakta terkonfirmasi", r"(?i)dapat kami sampaikan|kami pastikan|membenarkan|menerima laporan"),
        ("hal yang belum diketahui", r"(?i)masih kami (?:dalami|verifikasi)|belum dapat|belum diketahui"),
        ("langkah yang dilakukan", r"(?i)berkoordinasi|aparat penegak hukum|mengutamakan keselamatan"),
        ("komitmen", r"(?i)berkomitmen|komitmen"),
        ("pembaruan berikutnya", r"(?i)informasi selanjutnya|perkembangan selanjutnya|pembaruan"),
    ),
    DraftKind.PRESS_RELEASE: (
        ("kop", r"DIREKTORAT JENDERAL PEMASYARAKATAN|KEMENTERIAN"),
        ("judul SIARAN PERS", r"SIARAN PERS"),
        ("nomor siaran pers", r"(?m)^Nomor\s*:"),
        ("Untuk disiarkan segera", r"(?i)untuk disiarkan segera|embargo"),
        ("dateline", r"(?m)^[^\n,]{2,60}, [^\n]{1,40}? [–-] "),
        ("kutipan juru bicara", r"[“\"][^”\"]{20,}[”\"]"),
        ("tindak lanjut", r"(?i)tindak lanjut|langkah selanjutnya"),
        ("boilerplate Pemasyarakatan", r"(?i)tentang pemasyarakatan"),
        ("narahubung", r"(?i)narahubung"),
        ("tanda akhir", r"(?m)^(?:###|-30-)\s*$"),
    ),
    DraftKind.KEY_MESSAGES: (
        ("judul PESAN KUNCI", r"(?i)pesan kunci"),
        ("fakta pendukung", r"(?i)fakta pendukung"),
    ),
    DraftKind.QA: (
        ("pertanyaan dan jawaban", r"(?m)^T:.*\n(?:.*\n)*?J:"),
        ("pertanyaan tentang penyebab", r"(?i)bagaimana .*terjadi"),
        ("pertanyaan tentang keterlibatan petugas", r"(?i)petugas yang terlibat"),
        ("pertanyaan tentang perubahan", r"(?i)apa yang akan berubah"),
        ("pesan kunci penjembatan", r"(?i)pesan kunci"),
    ),
    DraftKind.SOCIAL_POST: (
        ("pesan utama", r"(?i)pesan utama"),
        ("tautan siaran pers", r"(?i)tautan siaran pers|https?://"),
        ("variasi per platform", r"(?i)variasi"),
    ),
    DraftKind.CLARIFICATION: (
        ("informasi yang beredar", r"(?i)informasi yang beredar|beredar"),
        ("fakta", r"(?m)^Fakta"),
        ("langkah yang dilakukan", r"(?i)langkah yang telah kami lakukan|pemeriksaan|sidak"),
        ("ajakan verifikasi lewat kanal resmi", r"(?i)kanal resmi"),
    ),
    DraftKind.RIGHT_OF_REPLY: (
        ("perihal hak jawab", r"(?i)hak jawab"),
        ("identitas berita", r"(?i)judul"),
        ("tanggal terbit", r"(?i)tanggal terbit"),
        ("tautan berita", r"(?i)tautan"),
        ("pernyataan yang tidak tepat", r"(?i)tidak tepat"),
        ("fakta yang benar", r"(?i)fakta yang benar"),
        ("permintaan", r"(?i)permintaan|kami meminta"),
        ("eskalasi ke Dewan Pers", r"Dewan Pers"),
    ),
    DraftKind.DPO_NOTICE: (
        ("bahaya", r"(?i)bahaya|waspada"),
        ("identitas", r"(?i)identitas"),
        ("yang harus dilakukan", r"(?i)jangan mendekati|yang harus dilakukan"),
        ("cara mendapatkan bantuan", r"(?i)bantuan|laporkan|hubungi"),
    ),
    DraftKind.ESCALATION_REPORT: (
        ("ringkasan penilaian mandiri", r"(?i)penilaian mandiri"),
        ("level", r"(?i)level"),
        ("draf terlampir", r"(?i)draf terlampir"),
        ("keputusan yang dimohon", r"(?i)keputusan yang dimohon"),
    ),
    DraftKind.CRISIS_PLAN: (
        ("tim dan peran", r"(?i)tim dan peran"),
        ("skenario terburuk", r"(?i)skenario terburuk"),
        ("tujuan komunikasi", r"(?i)tujuan komunikasi"),
        ("sasaran", r"(?i)sasaran"),
        ("pesan kunci", r"(?i)pesan kunci"),
        ("strategi respons", r"(?i)strategi respons"),
        ("saluran", r"(?i)saluran"),
        ("juru bicara", r"(?i)juru bicara"),
        ("hal yang tidak boleh disampaikan", r"(?i)tidak boleh disampaikan"),
        ("persetujuan", r"(?i)persetujuan|disetujui"),
    ),
    DraftKind.EVALUATION_REPORT: (
        ("linimasa terhadap target", r"(?i)linimasa"),
        ("apa yang berjalan baik", r"(?i)berjalan baik"),
        ("sentimen media", r"(?i)sentimen"),
        ("pelajaran", r"(?i)pelajaran"),
        ("tindak lanjut", r"(?i)tindak lanjut"),
        ("keputusan penutupan", r"(?i)keputusan|dinyatakan selesai"),
    ),
}

WORD_BUDGET: dict[DraftKind, tuple[int, int]] = {
    DraftKind.HOLDING_STATEMENT: (80, 150),
    DraftKind.PRESS_RELEASE: (300, 500),
}
# Key messages: three, each said in about nine seconds, about twenty-seven words (Covello's 27/9/3).
KEY_MESSAGE_COUNT = 3
KEY_MESSAGE_WORDS = 27


@dataclass(frozen=True)
class CheckSubject:
    """A draft and everything its checks compare it with."""

    kind: DraftKind
    text: str
    known: Sequence[str] = ()
    unverified: Sequence[str] = ()
    children: bool = False
    names_allowed: Sequence[str] = ()
    vocabulary: Sequence[str] = ()
    # Values Tanggap computed (today's date, the next update): a suggested fact's words inside one of
    # them ("pukul 14.00" in "hari ini pukul 14.00 WIB") are not the report's claim.
    generated: Sequence[str] = ()
    _known_text: str = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_known_text", "\n".join(self.known))

    @property
    def known_text(self) -> str:
        return self._known_text

    @property
    def public(self) -> bool:
        return self.kind not in INTERNAL_KINDS


def word_count(text: str) -> int:
    return len(_WORD.findall(text))


def excerpt(text: str, start: int, end: int, words: int = 2) -> str:
    """The matched span with up to `words` words either side, on its own line: an exact substring."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end
    before = re.search(rf"(?:\S+\s+){{0,{words}}}$", text[line_start:start])
    after = re.match(rf"(?:\s+\S+){{0,{words}}}", text[end:line_end])
    left = start - (len(before.group(0)) if before else 0)
    right = end + (len(after.group(0)) if after else 0)
    return text[left:right].strip()


def _finding(
    code: str, severity: str, message: str, text: str = "", span: tuple[int, int] | None = None
) -> Finding:
    quoted = excerpt(text, *span) if span is not None else ""
    return Finding.model_validate({"code": code, "severity": severity, "message": message, "excerpt": quoted})


def check_terms(text: str) -> list[Finding]:
    return [
        _finding(
            "terminology",
            "warning",
            f"Gunakan istilah resmi “Warga Binaan” (atau WBP) sebagai pengganti “{m.group(0)}”.",
            text,
            m.span(),
        )
        for m in _INFORMAL_TERM.finditer(text)
    ]


# How far from a verdict word a hedge still counts as applying to it.
_HEDGE_WINDOW = 40


def check_presumption(text: str, severity: str = "blocking") -> list[Finding]:
    findings: list[Finding] = []
    for m in VERDICT.finditer(text):
        window = text[max(0, m.start() - _HEDGE_WINDOW) : m.end() + _HEDGE_WINDOW]
        if HEDGE.search(window):
            continue
        findings.append(
            _finding(
                "presumption_of_innocence",
                severity,
                f"Kata “{m.group(0)}” menghakimi sebelum ada putusan (asas praduga tak bersalah); "
                "gunakan “diduga”, “terduga”, atau “oknum … berinisial …”.",
                text,
                m.span(),
            )
        )
    return findings


def check_placeholders(text: str) -> list[Finding]:
    seen: dict[str, Finding] = {}
    for m in _PLACEHOLDER.finditer(text):
        name = m.group(1).strip()
        who, _, what = name.removeprefix("diisi ").partition(": ")
        message = (
            f"Lengkapi {what} (diisi oleh {who})."
            if name.startswith("diisi ") and what
            else f"Lengkapi {name}."
        )
        seen.setdefault(
            name, Finding(code="placeholder", severity="info", message=message, excerpt=m.group(0))
        )
    return list(seen.values())


def _number_groups(text: str) -> set[int]:
    return {int(g) for g in re.findall(r"\d+", text)}


def parse_number_words(run: str) -> int | None:
    """ "dua puluh lima" → 25, "seratus" → 100, "tiga belas" → 13; None when it is not a numeral."""
    total = 0
    current = 0
    seen = False
    for word in run.lower().split():
        if word in _NUMBER_WORDS:
            current += _NUMBER_WORDS[word]
            seen = True
        elif word == "belas":
            current = (current or 1) + 10
        elif word in ("puluh", "ratus"):
            current = (current or 1) * _MULTIPLIERS[word]
        elif word in ("ribu", "juta"):
            total += (current or 1) * _MULTIPLIERS[word]
            current = 0
        seen = seen or word in _MULTIPLIERS
    return total + current if seen else None


def _masked(text: str, pattern: re.Pattern[str]) -> str:
    """`text` with every match of `pattern` blanked out, offsets unchanged."""
    return pattern.sub(lambda m: " " * len(m.group(0)), text)


def known_numbers(known: str) -> set[int]:
    values = _number_groups(known)
    for m in _NUMBER_WORD_RUN.finditer(_masked(known, _IDIOMS)):
        value = parse_number_words(m.group(0))
        if value is not None:
            values.add(value)
    return values


def check_numbers(text: str, known: str) -> list[Finding]:
    """Every figure in a draft must come from the report or the unit data; anything else was invented.

    List numbering ("1. ", "2) ") is structure, not a figure; link addresses are checked as links; the
    term "5W+1H" and Tanggap's "[diisi …]" placeholders are Tanggap's own words, not figures.
    """
    known_tokens = set(_NUMBER.findall(known))
    groups = known_numbers(known)
    scanned = _masked(_masked(_masked(_masked(text, _URL), _ENUMERATION), _OWN_TERMS), _FILL_IN)
    findings: list[Finding] = []
    for m in _NUMBER.finditer(scanned):
        token = m.group(0)
        if token in known_tokens or _number_groups(token) <= groups:
            continue
        findings.append(_unsupported_number(text, token, m.span()))
    for m in _NUMBER_WORD_RUN.finditer(_masked(scanned, _IDIOMS)):
        run = m.group(0).strip()
        value = parse_number_words(run)
        if value is None or value in groups:
            continue
        span = (m.start(), m.start() + len(run))
        findings.append(_unsupported_number(text, run, span))
    return findings


def _unsupported_number(text: str, token: str, span: tuple[int, int]) -> Finding:
    return _finding(
        "unsupported_number",
        "blocking",
        f"Angka “{token}” tidak ada dalam laporan atau data unit; hapus atau verifikasi.",
        text,
        span,
    )


def check_dates(text: str, known: str) -> list[Finding]:
    """Day and month names must come from the report (a date the report does not give was invented)."""
    known_words = {w.lower() for w in _DATE_WORD.findall(known)}
    return [
        _finding(
            "unsupported_date",
            "blocking",
            f"Tanggal atau hari “{m.group(0)}” tidak ada dalam laporan; hapus atau verifikasi.",
            text,
            m.span(),
        )
        for m in _DATE_WORD.finditer(_masked(_masked(text, _URL), _FILL_IN))
        if m.group(0).lower() not in known_words
    ]


@cache
def _static_text() -> str:
    """What the drafter itself writes: templates, phrases and its authored labels, as one text."""
    root = resources.files("tanggap_drafter")
    return "\n".join(
        [static_template_text(), root.joinpath("phrases.yaml").read_text(encoding="utf-8"), *authored_texts()]
    )


@cache
def _static_vocabulary() -> frozenset[str]:
    """Capitalised words the drafter itself writes (templates, phrases, plan) or institutions' names."""
    root = resources.files("tanggap_drafter")
    texts = [
        static_template_text(),
        root.joinpath("phrases.yaml").read_text(encoding="utf-8"),
        _INSTITUTIONS,
        *authored_texts(),
    ]
    words = {w for text in texts for w in _words_of(text)}
    return frozenset(words | {w.lower() for w in KNOWN_WORDS})


def _words_of(text: str) -> set[str]:
    return {w.lower() for w in re.findall(r"[A-Za-z][A-Za-z'’_]*", text)}


def _is_dictionary_word(word: str) -> bool:
    lower = word.lower()
    return is_root_word(lower) or is_root_word(stem(lower))


@dataclass(frozen=True)
class _Candidate:
    word: str
    start: int
    end: int
    dictionary: bool
    # An ordinary word that only looks like a name because it begins a sentence ("Budi Hartono …" keeps
    # it as part of a run; alone it is not a name).
    weak: bool = False


def _name_candidates(text: str, vocabulary: set[str]) -> list[_Candidate]:
    candidates: list[_Candidate] = []
    for m in _CAPITALISED.finditer(text):
        word = m.group(0).strip("'’")
        parts = word.split("-")
        if word.lower() in vocabulary or all(p.lower() in vocabulary for p in parts) or _ROMAN.match(word):
            continue
        if word.isupper() and len(word) > 4:
            continue  # a heading word
        dictionary = _is_dictionary_word(word)
        weak = dictionary and _begins_sentence(text, m.start())
        candidates.append(_Candidate(word, m.start(), m.end(), dictionary, weak))
    return candidates


def _begins_sentence(text: str, start: int) -> bool:
    prefix = text[text.rfind("\n", 0, start) + 1 : start]
    return bool(_LINE_LEAD.match(prefix)) or prefix.rstrip().endswith(
        (".", "!", "?", ":", ";", "“", '"', "(")
    )


def _runs(text: str, candidates: list[_Candidate]) -> list[list[_Candidate]]:
    """Candidates next to each other (one space apart) form a run: a probable full name."""
    runs: list[list[_Candidate]] = []
    for c in candidates:
        if runs and text[runs[-1][-1].end : c.start] == " " and not c.weak:
            runs[-1].append(c)
        else:
            runs.append([c])
    return [run for run in runs if not (len(run) == 1 and run[0].weak)]


def check_names(subject: CheckSubject) -> list[Finding]:
    """Full names (suggest initials), and proper names the report does not give (facts-only)."""
    text = subject.text
    vocabulary = set(_static_vocabulary()) | {w for v in subject.vocabulary for w in _words_of(v)}
    known_words = set(re.findall(r"[A-Za-z][A-Za-z'’]*", subject.known_text))
    allowed = " ".join(subject.names_allowed).lower()
    findings: list[Finding] = []
    for run in _runs(text, _name_candidates(text, vocabulary)):
        span = (run[0].start, run[-1].end)
        name = text[span[0] : span[1]]
        if subject.children and (len(run) > 1 or not run[0].dictionary):
            findings.append(_child_finding(text, span, f"nama “{name}”"))
        elif len(run) > 1 and not all(c.dictionary for c in run):
            findings.append(_full_name(subject, text, name, span, allowed))
        elif not run[0].dictionary and run[0].word not in known_words:
            findings.append(
                _finding(
                    "unsupported_name",
                    "blocking",
                    f"Nama “{name}” tidak ada dalam laporan atau data unit; hapus atau verifikasi.",
                    text,
                    span,
                )
            )
    return findings


def _full_name(subject: CheckSubject, text: str, name: str, span: tuple[int, int], allowed: str) -> Finding:
    if subject.kind == DraftKind.DPO_NOTICE and name.lower() in allowed:
        return _finding(
            "identity_confirmation",
            "warning",
            f"Pengumuman DPO memuat nama lengkap “{name}”; pastikan identitas dan foto dikonfirmasi "
            "secara eksplisit oleh pejabat berwenang sebelum disiarkan.",
            text,
            span,
        )
    initials = "".join(w[0].upper() for w in name.split())
    message = f"Nama lengkap “{name}” tidak boleh dimuat; gunakan inisial ({initials})."
    if name.lower() not in subject.known_text.lower():
        message += " Nama ini juga tidak ada dalam laporan."
    return _finding("full_name", "blocking", message, text, span)


def _child_finding(text: str, span: tuple[int, int], what: str) -> Finding:
    return _finding(
        "child_identity",
        "blocking",
        f"Melibatkan Anak: {what} dapat mengidentifikasi Anak; hapus (PPRA, UU SPPA Pasal 19: "
        "identitas Anak wajib dirahasiakan, termasuk inisial).",
        text,
        span,
    )


def check_children(subject: CheckSubject) -> list[Finding]:
    """Initials, age and origin, school, parents, address: nothing may identify an Anak."""
    if not subject.children:
        return []
    text = subject.text
    scanned = _masked(_masked(text, _PLACEHOLDER), _LETTER_HEADING)
    institutions = set(_static_vocabulary())
    findings = [
        _child_finding(text, m.span(), f"“{m.group(0)}”") for m in _CHILD_IDENTIFIERS.finditer(scanned)
    ]
    findings += [
        _child_finding(text, m.span(), f"usia “{m.group(0)}”") for m in _AGE_IN_BRACKETS.finditer(scanned)
    ]
    for m in _INITIALS.finditer(scanned):
        token = m.group(0).replace(".", "")
        if token.lower() in institutions or _ROMAN.match(token):
            continue
        findings.append(_child_finding(text, m.span(), f"inisial “{m.group(0)}”"))
    return findings


def check_victims(subject: CheckSubject) -> list[Finding]:
    """Where a sexual crime is at issue, nothing near "korban" may identify the victim."""
    text = subject.text
    if not (_SEXUAL_CRIME.search(text) or _SEXUAL_CRIME.search(subject.known_text)):
        return []
    scanned = _masked(text, _PLACEHOLDER)
    institutions = set(_static_vocabulary())
    findings: list[Finding] = []
    for victim in _VICTIM.finditer(scanned):
        start, end = victim.end(), min(len(text), victim.end() + _VICTIM_WINDOW)
        window = scanned[start:end]
        cut = re.search(r"[.;\n]", window)  # the victim's own clause only
        window = window[: cut.start()] if cut else window
        spans = [m.span() for m in _CHILD_IDENTIFIERS.finditer(window)]
        spans += [m.span() for m in _AGE_IN_BRACKETS.finditer(window)]
        spans += [
            m.span()
            for m in _INITIALS.finditer(window)
            if m.group(0).replace(".", "").lower() not in institutions and not _ROMAN.match(m.group(0))
        ]
        findings += [
            _finding(
                "victim_identity",
                "blocking",
                f"Identitas korban kejahatan seksual “{window[a:b]}” tidak boleh dimuat (KEJ Pasal 5; Dewan "
                "Pers: termasuk inisial, desa, sekolah, dan orang tua).",
                text,
                (start + a, start + b),
            )
            for a, b in spans
        ]
    return findings


def _sentences(text: str) -> list[tuple[int, int, bool]]:
    """(start, end, hedged) of each sentence; a bullet under a hedging heading counts as hedged."""
    out: list[tuple[int, int, bool]] = []
    heading_hedged = False
    offset = 0
    for line in text.splitlines(keepends=True):
        stripped = line.strip()
        bullet = stripped.startswith(("-", "•"))
        if not bullet:
            heading_hedged = bool(HEDGE.search(line)) and stripped.endswith(":")
        for m in _SENTENCE.finditer(line):
            hedged = bool(HEDGE.search(m.group(0))) or (bullet and heading_hedged)
            out.append((offset + m.start(), offset + m.end(), hedged))
        offset += len(line)
    return out


def check_unverified(subject: CheckSubject) -> list[Finding]:
    """A fact marked not verified may appear only in a hedged sentence.

    A fact worded like Tanggap's own approved text ("melarikan diri" in a key message) is not
    recognisable as the report's claim, so only its distinctive wordings are looked for."""
    text = subject.text
    lowered = text.lower()
    findings: list[Finding] = []
    sentences = _sentences(text)
    approved = "\n".join([_static_text(), *subject.vocabulary]).lower()
    # A short phrase in quotation marks is attributed (a reason quoting the report's words), not
    # asserted; a long quotation (the spokesperson's) is checked like any sentence.
    quoted = [m.span() for m in _QUOTATION.finditer(text)]
    quoted += [m.span() for g in subject.generated if g for m in re.finditer(re.escape(g), text)]
    for fact in dict.fromkeys(f.strip().rstrip(".") for f in subject.unverified):
        if len(fact) < 8 or fact.lower() in approved:
            continue
        start = lowered.find(fact.lower())
        while start >= 0:
            end = start + len(fact)
            attributed = any(s <= start and end <= e for s, e in quoted)
            if not attributed and not any(s <= start < e and hedged for s, e, hedged in sentences):
                findings.append(
                    _finding(
                        "unverified_as_fact",
                        "blocking",
                        "Fakta yang belum terverifikasi ditulis seolah pasti; tambahkan “diduga” / "
                        "“informasi awal” atau hapus.",
                        text,
                        (start, end),
                    )
                )
            start = lowered.find(fact.lower(), end)
    return findings


def check_security(subject: CheckSubject) -> list[Finding]:
    """Guard counts, patrol schedules, blind spots, escape methods: never in public text."""
    severity = "blocking" if subject.public else "warning"
    where = "teks publik" if subject.public else "laporan internal; jangan diteruskan ke publik"
    return [
        _finding(
            "security_detail",
            severity,
            f"Rincian pengamanan “{m.group(0)}” (dikecualikan menurut UU KIP) dalam {where}.",
            subject.text,
            m.span(),
        )
        for m in SECURITY.finditer(subject.text)
    ]


def check_sections(kind: DraftKind, text: str) -> list[Finding]:
    return [
        Finding(code="missing_section", severity="warning", message=f"Bagian wajib belum ada: {label}.")
        for label, pattern in _SECTIONS.get(kind, ())
        if not re.search(pattern, text)
    ]


def check_length(kind: DraftKind, text: str) -> list[Finding]:
    if kind == DraftKind.KEY_MESSAGES:
        return check_key_messages(text)
    budget = WORD_BUDGET.get(kind)
    if budget is None:
        return []
    words = word_count(text)
    low, high = budget
    if low <= words <= high:
        return []
    return [
        Finding(
            code="length",
            severity="warning",
            message=f"Panjang draf {words} kata; panjang yang dianjurkan {low}–{high} kata.",
        )
    ]


def check_key_messages(text: str) -> list[Finding]:
    """Three messages, each short enough to say in a breath (27/9/3)."""
    messages = re.findall(r"(?m)^\d{1,2}\.\s+(.+)$", text)
    findings: list[Finding] = []
    if len(messages) != KEY_MESSAGE_COUNT:
        findings.append(
            Finding(
                code="key_message_count",
                severity="warning",
                message=f"Pesan kunci berjumlah {len(messages)}; anjurannya {KEY_MESSAGE_COUNT} pesan.",
            )
        )
    for message in messages:
        if word_count(message) > KEY_MESSAGE_WORDS:
            findings.append(
                Finding(
                    code="length",
                    severity="warning",
                    message=f"Pesan kunci lebih dari {KEY_MESSAGE_WORDS} kata; ringkas agar cepat diucapkan.",
                    excerpt=message[:60],
                )
            )
    return findings


def check_dpo(subject: CheckSubject) -> list[Finding]:
    if subject.kind != DraftKind.DPO_NOTICE:
        return []
    return [
        Finding(
            code="identity_confirmation",
            severity="warning",
            message="Pengumuman DPO satu-satunya draf yang boleh memuat identitas; wajib dikonfirmasi "
            "secara eksplisit oleh pejabat berwenang, hanya untuk pelarian dengan risiko bagi publik.",
        )
    ]


def run_checks(subject: CheckSubject) -> list[Finding]:
    """Every finding for one draft, the blocking ones first."""
    text = subject.text
    findings = [
        *check_numbers(text, subject.known_text),
        *check_dates(text, subject.known_text),
        *check_names(subject),
        *check_children(subject),
        *check_victims(subject),
        *check_unverified(subject),
        *check_security(subject),
        *check_presumption(text, "blocking" if subject.public else "warning"),
        *check_terms(text),
        *check_dpo(subject),
        *check_sections(subject.kind, text),
        *check_length(subject.kind, text),
        *check_placeholders(text),
    ]
    order = {"blocking": 0, "warning": 1, "info": 2}
    return sorted(_unique(findings), key=lambda f: order[f.severity])


def _unique(findings: Iterable[Finding]) -> list[Finding]:
    return list(dict.fromkeys(findings))


def check_draft(
    kind: DraftKind,
    text: str,
    *,
    known: Iterable[str],
    unverified: Sequence[str] = (),
    children: bool = False,
    names_allowed: Sequence[str] = (),
    vocabulary: Sequence[str] = (),
    generated: Sequence[str] = (),
) -> list[Finding]:
    """All findings for a draft; `known` holds the event's own texts (report, facts, impact, unit),
    `vocabulary` approved wording whose words are no invented names (library items, unit data)."""
    subject = CheckSubject(
        kind=kind,
        text=text,
        known=tuple(known),
        unverified=unverified,
        children=children,
        names_allowed=names_allowed,
        vocabulary=vocabulary,
        generated=generated,
    )
    return run_checks(subject)
