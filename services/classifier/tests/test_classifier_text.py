"""Reading Indonesian text: tokens, number words, counts next to event words, negation scope."""

import pytest

from tanggap_classifier.text import Matcher, count_near, negated, phrase_tokens, read

PERSONS = frozenset({"napi", "narapidana", "tahanan", "warga", "petugas", "orang", "anak"})


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("dua", 2),
        ("dua belas", 12),
        ("dua puluh tiga", 23),
        ("seratus dua puluh", 120),
        ("tiga ratus lima", 305),
        ("sebelas", 11),
        ("seorang", 1),
        ("puluhan", 10),
        ("1.200", 1200),
        ("41", 41),
    ],
)
def test_number_words_and_digits(text: str, value: int) -> None:
    doc = read(f"{text} napi kabur")

    assert [n.value for n in doc.numbers] == [value]


@pytest.mark.parametrize(
    ("text", "low", "high"),
    [
        ("beberapa", 2, None),
        ("sejumlah", 2, None),
        ("belasan", 11, 19),
        ("puluhan", 10, 99),
        ("ratusan", 100, 999),
        ("ribuan", 1000, 9999),
        ("puluhan ribu", 10000, 99999),
    ],
)
def test_vague_amounts_are_ranges_quoted_in_the_reports_words(text: str, low: int, high: int | None) -> None:
    doc = read(f"Hingga kini {text} napi belum tertangkap")
    at = next(i for i, t in enumerate(doc.tokens) if t.text == "belum")

    count = count_near(doc, at, at + 2, PERSONS)

    assert count is not None
    assert (count.value, count.high, count.exact) == (low, high, False)
    assert count.words == f"{text} napi"


def test_an_exact_count_is_exact_and_quoted_with_its_noun() -> None:
    doc = read("Dua warga binaan kabur")

    count = count_near(doc, 3, 4, PERSONS)

    assert count is not None
    assert (count.value, count.high, count.exact, count.words) == (2, 2, True, "dua warga binaan")


def test_sentences_and_clauses() -> None:
    doc = read("Napi kabur pukul 21.00, petugas mengejar. Namun gagal!")

    assert [t.sentence for t in doc.tokens] == [0, 0, 0, 0, 0, 0, 1, 1]
    assert doc.tokens[0].clause != doc.tokens[4].clause  # the comma
    assert doc.tokens[3].text == "21.00"


def test_reduplicated_plural_is_one_token_quoted_as_written() -> None:
    doc = read("Dua petugas luka-luka.")

    assert [t.text for t in doc.tokens] == ["dua", "petugas", "luka"]
    assert doc.surface(2, 3) == "luka-luka"
    assert phrase_tokens("sabu-sabu") == ("sabu",)
    assert phrase_tokens("huru-hara") == ("huru", "hara")


def test_matcher_is_whole_word_longest_first_with_exclusions() -> None:
    matcher = Matcher(
        [("kabur", "k"), ("kabur massal", "m"), ("bunuh diri", "d")], exclude=["percobaan bunuh diri"]
    )
    doc = read("Mereka kaburkan data. Terjadi kabur massal dan percobaan bunuh diri.")

    assert [(h.phrase, h.payload) for h in matcher.find(doc)] == [("kabur massal", "m")]


@pytest.mark.parametrize(
    ("text", "event", "count"),
    [
        ("41 tewas", "tewas", 41),
        ("seorang warga binaan tewas", "tewas", 1),
        ("dua orang napi yang telah kabur", "kabur", 2),
        ("korban tewas bertambah menjadi 44 orang", "tewas", 44),
        ("Dua narapidana Lapas Kelas IIA Cipinang kabur", "kabur", 2),
        ("Pada 12 Nov napi kabur", "kabur", None),
        ("napi kabur dua kali", "kabur", None),
        ("Dua napi ditangkap, seorang lainnya kabur", "kabur", 1),
        # the subject of the sentence, across the commas of a place name
        ("Empat tahanan Rutan Kelas IIB Garut, Jawa Barat, pada Senin malam kabur", "kabur", 4),
        # an age in brackets after a name is not a headcount
        ("Budi (34) warga Sleman yang kabur", "kabur", None),
    ],
)
def test_count_near_an_event_word(text: str, event: str, count: int | None) -> None:
    doc = read(text)
    hit = Matcher([(event, None)]).find(doc)[0]

    found = count_near(doc, hit.start, hit.end, PERSONS)

    assert (found.value if found else None) == count


def _negated_terms(text: str) -> list[str]:
    terms = Matcher([(t, None) for t in ("korban jiwa", "kebakaran", "tewas", "kabur", "mengamuk")])
    doc = read(text)
    hits = terms.find(doc)
    off = negated(
        doc,
        [(h.start, h.end) for h in hits],
        Matcher([(n, None) for n in ("tidak ada", "tanpa", "bukan")]).find(doc),
        Matcher([(n, None) for n in ("nihil", "tidak benar")]).find(doc),
    )
    return [doc.surface(s, e) for s, e in sorted(off)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tidak ada korban jiwa dalam kebakaran itu", ["korban jiwa"]),
        ("tidak ada warga binaan yang tewas", ["tewas"]),
        ("tidak ada listrik, napi lalu mengamuk", []),
        ("korban jiwa nihil", ["korban jiwa"]),
        ("kabar napi kabur tidak benar", ["kabur"]),
        ("napi yang tidak puas mengamuk", []),
    ],
)
def test_negation_scope(text: str, expected: list[str]) -> None:
    assert _negated_terms(text) == expected


def test_a_link_is_its_own_sentence_and_its_numbers_are_not_counts() -> None:
    doc = read("Lihat https://contoh.id/berita/2025/11/02/dua-napi-kabur ini. Tiga napi kabur")

    # The slug's words are a headline ("dua napi kabur"); its digits are a date, never a count.
    assert [n.value for n in doc.numbers] == [2, 3]
    words = [t.text for t in doc.tokens]
    assert {"napi", "kabur", "dua"} <= set(words)
    link_sentence = doc.tokens[words.index("berita")].sentence
    assert doc.tokens[0].sentence != link_sentence != doc.tokens[-1].sentence


def test_each_matcher_finds_its_own_hits_in_a_document() -> None:
    doc = read("napi kabur lalu petugas mengamuk")

    first = Matcher([("kabur", None)]).find(doc)
    second = Matcher([("mengamuk", None)]).find(doc)

    assert [h.phrase for h in first] == ["kabur"]
    assert [h.phrase for h in second] == ["mengamuk"]
