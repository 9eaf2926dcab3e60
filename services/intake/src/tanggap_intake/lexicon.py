"""The monitoring lexicon of DOMAIN.md §3 and §6.9: what a text is about, and whether the news is bad.

Pure functions over normalised text; no I/O. Terms are whole words or phrases, matched on word
boundaries after lower-casing, so "kabur" matches "napi kabur" but not "kaburan".
"""

import re
from dataclasses import dataclass
from typing import Literal

Polarity = Literal["positive", "negative", "neutral"]

CATEGORY_TERMS: dict[str, tuple[str, ...]] = {
    "escape": (
        "kabur",
        "melarikan diri",
        "pelarian",
        "lolos",
        "jebol teralis",
        "potong teralis",
        "gorong gorong",
        "panjat tembok",
        "lompat pagar",
        "dpo",
        "buron",
        "buronan",
        "pengejaran",
        "kabur massal",
    ),
    "unrest": (
        "kerusuhan",
        "keributan",
        "ribut",
        "rusuh",
        "ricuh",
        "kericuhan",
        "mengamuk",
        "ngamuk",
        "bentrok",
        "perkelahian",
        "pembakaran",
        "dibakar",
        "sandera",
        "penyanderaan",
        "provokator",
        "gas air mata",
        "mogok makan",
        "unjuk rasa",
        "gangguan kamtib",
        "penyerangan petugas",
        "huru hara",
    ),
    "drugs": (
        "narkoba",
        "narkotika",
        "sabu",
        "ekstasi",
        "ganja",
        "peredaran gelap",
        "dikendalikan dari lapas",
        "bandar",
        "kurir",
        "tes urine positif",
        "pesta narkoba",
    ),
    "contraband": (
        "hp ilegal",
        "handphone",
        "ponsel",
        "telepon seluler",
        "sajam",
        "senjata tajam",
        "penipuan online",
        "barang terlarang",
        "selundupkan",
        "penyelundupan",
        "diselundupkan",
    ),
    "extortion": (
        "pungli",
        "pungutan liar",
        "pemerasan",
        "diperas",
        "setoran",
        "sewa kamar",
        "jual beli kamar",
        "jual beli izin",
        "suap",
        "gratifikasi",
        "ott",
        "kpk",
        "sel mewah",
        "kamar mewah",
        "fasilitas mewah",
        "plesiran",
        "bilik asmara",
        "halinar",
        "korupsi",
    ),
    "violence": (
        "penganiayaan",
        "dianiaya",
        "penyiksaan",
        "disiksa",
        "kekerasan",
        "dipukul",
        "diseret",
        "dikeroyok",
        "lebam",
        "memar",
        "pelecehan",
        "kekerasan seksual",
    ),
    "death": (
        "meninggal",
        "meninggal dunia",
        "tewas",
        "kematian",
        "jenazah",
        "gantung diri",
        "bunuh diri",
        "percobaan bunuh diri",
        "overdosis",
    ),
    "disaster": (
        "kebakaran",
        "terbakar",
        "korsleting",
        "hubungan arus pendek",
        "evakuasi",
        "banjir",
        "gempa",
        "bencana",
        "longsor",
    ),
    "overcapacity": (
        "overkapasitas",
        "over kapasitas",
        "overcrowding",
        "overcrowded",
        "kelebihan kapasitas",
        "kelebihan penghuni",
        "kurang petugas",
        "listrik padam",
        "makanan tidak layak",
    ),
    "viral": ("viral", "beredar video", "video amatir", "hoaks", "hoax", "trending", "warganet", "netizen"),
    "misconduct": (
        "oknum petugas",
        "oknum sipir",
        "petugas terlibat",
        "dinonaktifkan",
        "dicopot",
        "dipidanakan",
        "oknum",
    ),
    "terrorism": ("napiter", "narapidana terorisme", "teroris", "terorisme", "radikal"),
    "rights": (
        "remisi",
        "asimilasi",
        "integrasi",
        "pembebasan bersyarat",
        "kunjungan",
        "pengaduan",
        "diskriminasi",
        "hak warga binaan",
    ),
}

# Words that say the item is about the correctional system at all (feeds carry every kind of news).
CORRECTIONS_TERMS: tuple[str, ...] = (
    "lapas",
    "rutan",
    "bapas",
    "lpka",
    "lembaga pemasyarakatan",
    "rumah tahanan",
    "pemasyarakatan",
    "ditjenpas",
    "napi",
    "narapidana",
    "warga binaan",
    "wbp",
    "tahanan",
    "sipir",
    "kalapas",
    "karutan",
    "napiter",
    "anak binaan",
    "petugas lapas",
    "petugas rutan",
    "kemenimipas",
    "kanwil ditjenpas",
)

POSITIVE_TERMS: tuple[str, ...] = (
    "remisi",
    "prestasi",
    "penghargaan",
    "berhasil menggagalkan",
    "menggagalkan",
    "digagalkan",
    "gagalkan",
    "penggagalan",
    "pembinaan",
    "pelatihan",
    "keterampilan",
    "bakti sosial",
    "zona integritas",
    "wbk",
    "wbbm",
    "panen",
    "hasil karya",
    "sertifikat",
    "juara",
    "apresiasi",
    "inovasi",
    "pameran",
    "pesantren",
    "ibadah",
    "donor darah",
    "razia",
    "penggeledahan",
    "tes urine",
    "deklarasi",
    "sosialisasi",
    "berhasil",
    "bebas narkoba",
    "zero halinar",
)

# Categories whose words are bad news; "rights" is service information and may be either.
NEGATIVE_CATEGORIES = frozenset(CATEGORY_TERMS) - {"rights"}

AMPLIFIERS: tuple[str, ...] = (
    "viral",
    "tewas",
    "meninggal",
    "massal",
    "kpk",
    "ott",
    "anak",
    "dibakar",
    "sandera",
)

# A foiled smuggling attempt or a raid is proactive good news, not a drugs or contraband crisis.
_FOILED = ("menggagalkan", "digagalkan", "gagalkan", "penggagalan", "razia", "penggeledahan")
_FOILABLE = frozenset({"drugs", "contraband"})

_NON_WORD = re.compile(r"[^0-9a-z]+")


def normalise(text: str) -> str:
    """Lower case, words separated by single spaces, padded so phrases match on word boundaries."""
    return f" {_NON_WORD.sub(' ', text.lower()).strip()} "


def _hits(padded: str, terms: tuple[str, ...]) -> list[str]:
    return [t for t in terms if f" {t} " in padded]


def mentions_corrections(text: str) -> bool:
    return bool(_hits(normalise(text), CORRECTIONS_TERMS))


def category_hits(text: str) -> dict[str, list[str]]:
    """Every category whose words occur in `text`, with those words."""
    padded = normalise(text)
    found = {category: _hits(padded, terms) for category, terms in CATEGORY_TERMS.items()}
    return {category: words for category, words in found.items() if words}


def category_hint(text: str) -> str | None:
    """The category with the most distinct words; None when nothing matched. Only a hint for matching:
    the classifier decides the category."""
    hits = category_hits(text)
    if not hits:
        return None
    negative = {c: w for c, w in hits.items() if c in NEGATIVE_CATEGORIES and c != "viral"}
    pool = negative or hits
    return max(pool, key=lambda c: (len(pool[c]), c))


@dataclass(frozen=True)
class Tone:
    polarity: Polarity
    score: int
    negative: list[str]
    positive: list[str]
    categories: list[str]


def tone(text: str) -> Tone:
    """Positive or negative coverage by counting lexicon words; amplifiers weigh double."""
    padded = normalise(text)
    hits = category_hits(text)
    foiled = bool(_hits(padded, _FOILED))
    negative = sorted(
        {
            w
            for c, words in hits.items()
            if c in NEGATIVE_CATEGORIES and not (foiled and c in _FOILABLE)
            for w in words
        }
    )
    positive = _hits(padded, POSITIVE_TERMS)
    amplified = [w for w in _hits(padded, AMPLIFIERS) if w in negative or w in ("anak", "massal")]
    score = len(positive) - len(negative) - (len(amplified) if negative else 0)
    polarity: Polarity = "negative" if score < 0 else "positive" if score > 0 else "neutral"
    return Tone(polarity, score, negative, positive, sorted(hits))
