"""Text safety for everything people type: which characters are refused, which are stripped, and the form
texts are compared in.

Three uses, one table of characters:
- `unsafe_character` / `require_safe`: stored text typed by a signed-in person or an API client is refused
  when it holds a character that hides or reorders what a reader sees (zero-width, bidi controls) or a
  control character; the person can fix it.
- `strip_unsafe`: text from a chat platform is cleaned instead (its sender cannot be asked again).
- `comparable` / `contains`: the form in which a check's excerpt is looked for in a text, so that an edit
  that only looks the same (invisible characters, case, look-alike letters of other scripts, compatibility
  forms such as full-width letters) still counts as the same words.

Standard library only, so every service can use it.
"""

import unicodedata

# Refused in stored text and stripped from chat text, by Unicode category:
# - Cf, format characters: zero-width characters and direction marks (U+200B-200F), bidi embeddings and
#   overrides (U+202A-202E), invisible operators (U+2060-2064), bidi isolates, the byte-order mark, the soft
#   hyphen, and tag characters (U+E0000-E007F), which no one sees but a language model reads;
# - Cc, control characters (C0, DEL and C1), except the newline, carriage return and tab a pasted text has;
# - Cs, surrogates: half of a UTF-16 pair that JSON can escape but no database can store.
_INVISIBLE, _CONTROL, _SURROGATE = "Cf", "Cc", "Cs"
_ALLOWED_CONTROLS = frozenset("\n\r\t")


def _kind(char: str) -> str | None:
    """Why `char` is refused (its category), or None when it is not."""
    category = unicodedata.category(char)
    if category in (_INVISIBLE, _SURROGATE) or (category == _CONTROL and char not in _ALLOWED_CONTROLS):
        return category
    return None


# Characters that render as blank space without being whitespace to Python: they separate words.
_BLANK_LOOKING = dict.fromkeys(map(ord, "\u115f\u1160\u2800\u3164\uffa0"), " ")

# Cyrillic and Greek letters that look like Latin ones (case kept, so that Greek Ν is N and ν is v).
_LOOK_ALIKES = {
    # Cyrillic capitals
    "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C", "Т": "T",
    "У": "Y", "Х": "X", "І": "I", "Ј": "J", "Ѕ": "S", "Ԛ": "Q", "Ԝ": "W", "Һ": "H", "Ӏ": "I", "Ү": "Y",
    # Cyrillic small letters
    "а": "a", "в": "b", "е": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c", "т": "t",
    "у": "y", "х": "x", "і": "i", "ј": "j", "ѕ": "s", "ԁ": "d", "ԛ": "q", "ԝ": "w", "һ": "h", "ӏ": "l",
    "ү": "y", "ѵ": "v", "ь": "b", "г": "r", "п": "n", "ı": "i",
    # Greek capitals
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N", "Ο": "O",
    "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
    # Greek small letters
    "α": "a", "β": "b", "γ": "y", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p",
    "τ": "t", "υ": "u", "χ": "x", "ω": "w", "ϲ": "c", "ϳ": "j",
}  # fmt: skip
_LOOK_ALIKE_TABLE = str.maketrans(_LOOK_ALIKES)


class UnsafeText(ValueError):
    """A text holds a character that is refused; `indonesian` says so to an officer."""

    def __init__(self, message: str, indonesian: str) -> None:
        super().__init__(message)
        self.indonesian = indonesian


def _describe(char: str) -> str:
    name = unicodedata.name(char, "")
    return f"U+{ord(char):04X}" + (f" {name}" if name else "")


def unsafe_character(text: str) -> str | None:
    """The first refused character of `text`, or None when there is none."""
    if text.isascii() and text.isprintable():
        return None  # the usual case, decided without looking at each character
    return next((char for char in text if _kind(char)), None)


def require_safe(text: str) -> str:
    """`text` unchanged, or UnsafeText saying which character is wrong and why, in English and Indonesian."""
    char = unsafe_character(text)
    if char is None:
        return text
    position = text.index(char) + 1
    kind = _kind(char)
    if kind == _INVISIBLE:
        raise UnsafeText(
            f"contains an invisible or text-direction character ({_describe(char)}) at character "
            f"{position}; such characters hide or reorder what a reader sees. Remove it and send plain text",
            f"berisi karakter tak terlihat atau pengubah arah teks ({_describe(char)}) pada karakter ke-"
            f"{position}; karakter seperti ini menyembunyikan atau membalik tulisan. Hapus lalu kirim lagi",
        )
    if kind == _SURROGATE:
        raise UnsafeText(
            f"contains a broken character (a lone UTF-16 surrogate, {_describe(char)}) at character "
            f"{position}; send the text as UTF-8",
            f"berisi karakter rusak ({_describe(char)}) pada karakter ke-{position}; salin ulang teksnya",
        )
    raise UnsafeText(
        f"contains a control character ({_describe(char)}) at character {position}; only letters, "
        "punctuation, spaces, tabs and line breaks are accepted",
        f"berisi karakter kontrol ({_describe(char)}) pada karakter ke-{position}; yang diterima hanya "
        "huruf, angka, tanda baca, spasi, tab dan baris baru",
    )


def strip_unsafe(text: str) -> str:
    """Chat text made safe: invisible characters and surrogates removed, control characters made spaces."""
    if unsafe_character(text) is None:
        return text
    return "".join(_cleaned(char) for char in text)


def _cleaned(char: str) -> str:
    kind = _kind(char)
    if kind is None:
        return char
    return " " if kind == _CONTROL else ""


def _visible_only(text: str) -> str:
    # Format characters (category Cf: zero-width, bidi, soft hyphen, tags) and combining marks carry no
    # letter of their own; dropping them also makes "á" compare as "a".
    decomposed = unicodedata.normalize("NFKD", text.translate(_BLANK_LOOKING))
    return "".join(c for c in decomposed if unicodedata.category(c) not in ("Cf", "Mn", "Me"))


def comparable(text: str) -> str:
    """The form in which two texts that look the same are equal: compatibility forms folded (NFKC),
    invisible characters and accents dropped, look-alike letters mapped to Latin, case folded, every run
    of whitespace one space."""
    folded = unicodedata.normalize("NFKC", _visible_only(text)).translate(_LOOK_ALIKE_TABLE).casefold()
    return " ".join(folded.split())


def contains(text: str, excerpt: str) -> bool:
    """Whether `excerpt` (a check's quote) is still in `text`, compared as a reader would see them."""
    needle = comparable(excerpt)
    return bool(needle) and needle in comparable(text)
