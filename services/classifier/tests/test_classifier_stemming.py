"""Inflected Indonesian forms match by their Sastrawi root, with the guards that keep prison news right."""

import uuid
from datetime import UTC, datetime

import pytest

from tanggap_classifier.engine import Classification, classify
from tanggap_classifier.policy import Policy, load_policy
from tanggap_classifier.stemming import stem
from tanggap_classifier.text import Matcher, read
from tanggap_shared.contracts import Category
from tanggap_shared.events import ReportSnapshot, UnitRef

UNIT = UnitRef(code="X", name="Lapas X", type="Lapas", region="X")


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policy()


def run(policy: Policy, text: str) -> Classification:
    report = ReportSnapshot(report_id=uuid.uuid4(), text=text, received_at=datetime(2025, 11, 2, tzinfo=UTC))
    return classify(UNIT, report, 0, policy)


def topics(result: Classification) -> set[Category]:
    return {result.category, *result.secondary_categories}


def test_sastrawi_roots() -> None:
    assert {stem(w) for w in ("melarikan", "dilarikan", "pelarian")} == {"lari"}
    assert {stem(w) for w in ("penganiayaan", "dianiaya", "menganiaya")} == {"aniaya"}
    assert stem("hp") == "hp"  # short words are left alone


def test_stems_are_cached_per_process() -> None:
    stem("penyanderaan")
    before = stem.cache_info().hits
    stem("penyanderaan")
    assert stem.cache_info().hits == before + 1


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("Seorang tahanan melarikan dari rombongan sidang.", Category.ESCAPE),
        ("Napi itu dilarikan komplotannya saat berobat.", Category.ESCAPE),
        ("Seorang napi teraniaya di kamar hunian.", Category.VIOLENCE),
        ("Petugas menyandera? Tidak: napi menyandera dua petugas.", Category.UNREST),
        ("Keluarga napi mengaku dimintai setoran oleh petugas dan memerasnya.", Category.EXTORTION),
    ],
)
def test_inflected_forms_match(policy: Policy, text: str, category: Category) -> None:
    assert category in topics(run(policy, text))


@pytest.mark.parametrize(
    ("text", "not_category"),
    [
        ("Seorang warga binaan dilarikan ke rumah sakit karena sesak napas.", Category.ESCAPE),
        ("Petugas mengikuti lomba lari dalam rangka Hari Bhakti Pemasyarakatan.", Category.ESCAPE),
        ("Warga binaan meninggalkan aula setelah acara selesai.", Category.DEATH),
        ("Situasi dapat dikendalikan dan kembali kondusif.", Category.DRUGS),
        ("Pejabat itu mengaburkan fakta dan dikaburkan datanya.", Category.ESCAPE),
    ],
)
def test_roots_that_mean_something_else_do_not_match(
    policy: Policy, text: str, not_category: Category
) -> None:
    assert not_category not in topics(run(policy, text))


def test_a_warga_binaan_is_not_a_pembinaan(policy: Policy) -> None:
    result = run(policy, "Seorang warga binaan kabur dari blok hunian.")
    assert result.crisis is True
    assert result.category == Category.ESCAPE


def test_a_root_claimed_by_two_meanings_never_matches_by_root() -> None:
    matcher = Matcher([("pembakaran", "arson"), ("kebakaran", "fire")], stemmer=stem)
    doc = read("gudang terbakarlah", stemmer=stem)

    assert ("bakar",) not in matcher.roots
    assert matcher.find(doc) == []


def test_exact_forms_still_win_over_roots() -> None:
    matcher = Matcher([("pelarian", "escape")], exclude=["dilarikan ke rumah sakit"], stemmer=stem)

    assert [h.payload for h in matcher.find(read("napi dilarikan ke rumah sakit", stemmer=stem))] == []
    assert [h.payload for h in matcher.find(read("napi dilarikan keluarganya", stemmer=stem))] == ["escape"]
