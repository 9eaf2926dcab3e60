"""The severity matrix, modifiers that do not count a fact twice, natural deaths, hoaxes, SCCT clusters,
confidence and the open self-assessment questions, with the policy shipped in the package."""

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from tanggap_classifier.engine import Classification, classify
from tanggap_classifier.explain import CLUSTER_WORDS
from tanggap_classifier.policy import AXES, Policy, load_policy
from tanggap_shared.contracts import Category, MediaReach
from tanggap_shared.events import Fact, Facts, Impact, ReportSnapshot, UnitRef

LAPAS = UnitRef(code="SUMUT-LAPAS-MEDAN", name="Lapas Kelas I Medan", type="Lapas", region="SUMUT")


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policy()


def run(policy: Policy, text: str, facts: Facts | None = None, **impact: Any) -> Classification:
    report = ReportSnapshot(
        report_id=uuid.uuid4(),
        text=text,
        impact=Impact(**impact),
        facts=facts or Facts(),
        received_at=datetime(2025, 11, 2, tzinfo=UTC),
    )
    return classify(LAPAS, report, 0, policy)


def codes(result: Classification) -> list[str]:
    return [r.code for r in result.reasons]


def test_policy_encodes_six_axes_scored_0_to_3_each_mapped_to_a_level(policy: Policy) -> None:
    for axis in AXES:
        rule = policy.severity_matrix.axis(axis)
        assert 0 in rule.scores
        assert set(rule.scores) <= {0, 1, 2, 3}
        assert all(1 <= s.level <= 4 for s in rule.scores.values())
    assert policy.severity_matrix.korban.scores[3].level == 3


def test_every_classification_carries_the_axes_and_the_policy_version(policy: Policy) -> None:
    result = run(policy, "Kerusuhan di Blok B, seorang napi tewas dan tiga petugas luka.")

    assert result.policy_version == policy.version
    assert set(result.axes) == set(AXES)
    assert result.axes["korban"] == 3
    summary = next(r for r in result.reasons if r.code == "matrix")
    assert "Korban 3" in summary.text


def test_an_escapee_still_at_large_is_level_3(policy: Policy) -> None:
    result = run(policy, "Seorang napi kabur dan hingga kini masih dalam pengejaran petugas.")

    assert result.level == 3
    assert result.axes["keamanan"] == 3
    assert "masih dalam pengejaran" in next(r for r in result.reasons if r.code == "matrix.keamanan").triggers


def test_a_death_from_illness_is_level_2_and_a_suicide_level_3(policy: Policy) -> None:
    illness = run(policy, "Seorang warga binaan meninggal dunia di rumah sakit karena sakit jantung.")
    suicide = run(policy, "Seorang warga binaan ditemukan tewas gantung diri di kamar mandi.")

    assert illness.level == 2
    assert illness.scct_cluster == "accidental"
    assert "karena sakit" in next(r for r in illness.reasons if r.code == "text.deaths").text
    assert suicide.level == 3


def test_a_viral_video_is_not_counted_twice(policy: Policy) -> None:
    result = run(policy, "Video warga binaan berkaraoke di dalam kamar viral di TikTok.")

    assert result.level == 3
    assert "modifier.video_exists.absorbed" in codes(result)
    assert "modifiers" not in codes(result)


def test_an_officer_arrested_by_police_is_not_raised_again_for_being_an_officer(policy: Policy) -> None:
    result = run(policy, "Oknum petugas Lapas ditangkap Satresnarkoba Polres karena membawa masuk sabu.")

    assert result.level == 3
    assert "modifier.officers_involved.absorbed" in codes(result)
    assert result.scct_cluster == "preventable"


def test_a_viral_hoax_counts_its_spread_not_its_claim(policy: Policy) -> None:
    text = (
        "Video lama kerusuhan kembali viral dan dikaitkan dengan Lapas Medan. Kalapas memastikan itu hoaks."
    )
    result = run(policy, text)

    assert result.level == 3
    assert result.category == Category.VIRAL
    assert result.scct_cluster == "victim"
    assert "hoax_claims" in codes(result)
    assert "Apakah kabar tersebut sudah dipastikan hoaks oleh sumber resmi?" in result.missing


@pytest.mark.parametrize(
    ("text", "cluster"),
    [
        ("Banjir merendam blok hunian, 300 warga binaan dievakuasi.", "victim"),
        ("Korsleting listrik memicu kebakaran di gudang.", "accidental"),
        ("Seorang napi mengaku dipukuli oknum petugas.", "preventable"),
        ("Dua napi kabur menjebol teralis.", "preventable"),
        ("Perkelahian antar warga binaan di Blok C.", "victim"),
    ],
)
def test_scct_cluster_follows_domain_4_1(policy: Policy, text: str, cluster: str) -> None:
    result = run(policy, text)

    assert result.scct_cluster == cluster
    reason = next(r for r in result.reasons if r.code == "scct").text
    assert reason.startswith(f"Strategi komunikasi, {CLUSTER_WORDS[cluster]}:"), reason
    assert cluster not in reason, "the English code stays out of what an officer reads"


def test_missing_questions_follow_what_is_unknown(policy: Policy) -> None:
    unknown = run(policy, "Kerusuhan di blok hunian, beberapa napi tewas.")
    answered = run(
        policy,
        "Kerusuhan di blok hunian, beberapa napi tewas.",
        facts=Facts(what=Fact(value="Kerusuhan", verified=True)),
        deaths=2,
        media_reach=MediaReach.LOCAL,
        video_exists=False,
    )

    # A vague amount is quoted as the report wrote it, never turned into a number.
    assert 'Berapa korban meninggal dunia? (laporan menyebut "beberapa napi")' in unknown.missing
    assert "Apakah informasi sudah terverifikasi (sumber resmi, regu jaga, APH)?" in unknown.missing
    assert not any(q.startswith("Berapa korban meninggal") for q in answered.missing)
    assert not any("terverifikasi" in q for q in answered.missing)
    assert len(answered.missing) < len(unknown.missing)


def test_confidence_is_explained_and_grows_with_answers(policy: Policy) -> None:
    vague = run(policy, "Ada laporan keributan di blok A, diduga antar napi, detail belum jelas.")
    solid = run(
        policy,
        "Kerusuhan di blok A, dua napi tewas.",
        facts=Facts(what=Fact(value="Kerusuhan", verified=True)),
        deaths=2,
        media_reach=MediaReach.NATIONAL,
        video_exists=True,
        officers_involved=False,
        children_involved=False,
    )
    routine = run(policy, "Kegiatan pelatihan kemandirian warga binaan.")

    assert 0 <= vague.confidence < solid.confidence <= 1
    assert "bahasa dugaan" in next(r for r in vague.reasons if r.code == "confidence").text
    assert routine.crisis is False
    assert routine.scct_cluster is None
    assert routine.missing == []
    assert routine.confidence >= 0.7


def test_the_first_evidence_that_holds_names_the_score(policy: Policy) -> None:
    # Keamanan 2 is "sudah pulih" when a recapture is stated; an escape alone says nothing about it.
    alone = run(policy, "Seorang napi kabur dari Lapas Medan pagi tadi.")
    back = run(policy, "Seorang napi kabur dari Lapas Medan dan sudah ditangkap kembali.")

    alone_axis = next(r for r in alone.reasons if r.code == "matrix.keamanan")
    back_axis = next(r for r in back.reasons if r.code == "matrix.keamanan")
    assert alone.axes["keamanan"] == back.axes["keamanan"] == 2
    assert "belum diketahui apakah sudah tertangkap kembali" in alone_axis.text
    assert "sudah pulih" in back_axis.text
    assert "ditangkap kembali" in back_axis.triggers
