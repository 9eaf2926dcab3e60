"""Sparse lexical vectors: deterministic across processes, Indonesian-aware tokens, term frequencies."""

import json
import subprocess
import sys
import zlib

from tanggap_drafter.lexical import sparse_vector, stem, token_index, tokenise

TEXT = "Kerusuhan di Lapas: Warga Binaan membakar kasur, keluarganya cemas. Kerusuhan mereda."


def test_same_text_gives_the_same_vector() -> None:
    assert sparse_vector(TEXT) == sparse_vector(TEXT)


def test_vector_is_stable_across_processes() -> None:
    # Python's own hash() is salted per process; the index must not be.
    code = (
        "import json; from tanggap_drafter.lexical import sparse_vector; "
        f"v = sparse_vector({TEXT!r}); print(json.dumps([v.indices, v.values]))"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    here = sparse_vector(TEXT)
    assert json.loads(out.stdout) == [here.indices, here.values]


def test_index_is_crc32_of_the_token() -> None:
    assert token_index("kerusuhan") == zlib.crc32(b"kerusuhan")
    assert 0 <= token_index("warga") < 2**32


def test_tokenise_normalises_drops_stopwords_and_stems() -> None:
    tokens = tokenise("Kerusuhan DI Lapás yang keluarganya, luka-luka")
    assert tokens == ["rusuh", "lapas", "keluarga", "luka", "luka"]


def test_word_forms_of_one_root_meet() -> None:
    # Retrieval must match "melarikan diri" in a report with "pelarian" in a key message.
    assert tokenise("pelarian")[0] == tokenise("melarikan")[0] == "lari"
    assert tokenise("penganiayaan dianiaya") == ["aniaya", "aniaya"]
    assert tokenise("pengejaran") == ["kejar"]


def test_stems_are_cached_with_a_bound() -> None:
    stem.cache_clear()
    tokenise("kerusuhan kerusuhan kerusuhan")
    info = stem.cache_info()
    assert info.hits >= 2
    assert info.maxsize is not None


def test_values_are_term_frequencies_with_sorted_unique_indices() -> None:
    vector = sparse_vector(TEXT)
    weights = dict(zip(vector.indices, vector.values, strict=True))
    assert weights[token_index("rusuh")] == 2.0
    assert weights[token_index("kasur")] == 1.0
    assert vector.indices == sorted(set(vector.indices))
    assert token_index("di") not in weights


def test_text_without_content_words_gives_an_empty_vector() -> None:
    assert sparse_vector("yang dan di ke").indices == []
