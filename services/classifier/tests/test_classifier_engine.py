"""The classification engine on realistic Indonesian report texts, with the policy shipped in the package."""

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from tanggap_classifier.engine import Classification, classify, report_text
from tanggap_classifier.policy import Policy, load_policy
from tanggap_shared.contracts import Category, MediaReach
from tanggap_shared.events import Fact, Facts, Impact, ReportSnapshot, UnitRef

CIPINANG = UnitRef(code="DKI-LAPAS-CIPINANG", name="Lapas Kelas I Cipinang", type="Lapas", region="DKI")
LPKA = UnitRef(code="KALTIM-LPKA-TENGGARONG", name="LPKA Tenggarong", type="LPKA", region="KALTIM")

RIOT = (
    "Terjadi kerusuhan di blok hunian Lapas Cipinang pada Minggu malam. Seorang warga binaan tewas dan "
    "dua petugas luka-luka. Video kericuhan beredar di media sosial."
)


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policy()


def run(
    policy: Policy,
    text: str,
    *,
    unit: UnitRef = CIPINANG,
    recent: int = 0,
    facts: Facts | None = None,
    **impact: Any,
) -> Classification:
    report = ReportSnapshot(
        report_id=uuid.uuid4(),
        text=text,
        impact=Impact(**impact),
        facts=facts or Facts(),
        received_at=datetime(2025, 11, 2, 21, 30, tzinfo=UTC),
    )
    return classify(unit, report, recent, policy)


def codes(result: Classification) -> list[str]:
    return [r.code for r in result.reasons]


def reason(result: Classification, code: str) -> Any:
    found = [r for r in result.reasons if r.code == code]
    assert found, f"no reason {code!r} in {codes(result)}"
    return found[0]


class TestRiotWithDeath:
    def test_riot_in_which_an_inmate_died_is_level_3_or_more_with_death_and_unrest_reasons(
        self, policy: Policy
    ) -> None:
        result = run(policy, RIOT)

        assert result.crisis is True
        assert result.level >= 3
        assert result.category == Category.UNREST
        assert Category.DEATH in result.secondary_categories
        death = reason(result, "text.deaths")
        assert death.level == 3
        assert "seorang warga binaan tewas" in death.triggers
        assert "meninggal" in death.text
        unrest = reason(result, "category.unrest")
        assert unrest.level == 3
        assert "kerusuhan" in unrest.triggers

    def test_video_mention_raises_the_riot_one_level_and_says_why(self, policy: Policy) -> None:
        result = run(policy, RIOT)

        assert result.level == 4
        assert reason(result, "modifier.video_exists").triggers == ["video"]
        assert "Level 3 → Level 4" in reason(result, "modifiers").text

    def test_injured_officers_are_counted_but_not_taken_for_perpetrators(self, policy: Policy) -> None:
        result = run(policy, RIOT)

        injuries = reason(result, "text.injuries")
        assert injuries.triggers == ["dua petugas luka-luka"]
        assert "(dua petugas," in injuries.text  # the report's own words, never a number made up
        assert "modifier.officers_involved" not in codes(result)

    def test_deadlines_and_policy_version_follow_the_level(self, policy: Policy) -> None:
        result = run(policy, RIOT)

        assert result.policy_version == policy.version
        assert result.deadlines == {
            "internal_notification": 15,
            "holding_statement": 30,
            "press_release": 120,
        }

    def test_reasons_are_in_indonesian_with_arrow_and_level(self, policy: Policy) -> None:
        result = run(policy, RIOT)

        death = reason(result, "text.deaths")
        assert death.text.startswith("Ada korban meninggal dunia")
        assert death.text.endswith("→ minimal Level 3")


class TestNegation:
    def test_no_fatalities_is_not_a_death(self, policy: Policy) -> None:
        result = run(
            policy, "Kebakaran melanda dapur Lapas X. Api berhasil dipadamkan, tidak ada korban jiwa."
        )

        assert result.crisis is True
        assert result.level == 2
        assert result.category == Category.DISASTER
        assert "text.deaths" not in codes(result)
        assert Category.DEATH not in result.secondary_categories
        assert reason(result, "negated").triggers == ["korban jiwa"]

    def test_negation_reaches_over_a_few_words_but_not_the_next_clause(self, policy: Policy) -> None:
        result = run(
            policy, "Tidak ada warga binaan yang tewas dalam kericuhan itu, namun tiga petugas terluka."
        )

        assert "text.deaths" not in codes(result)
        assert reason(result, "category.unrest").triggers == ["kericuhan"]
        assert "(tiga petugas," in reason(result, "text.injuries").text

    def test_negation_cancels_only_the_first_term_after_it(self, policy: Policy) -> None:
        result = run(policy, "Tanpa korban jiwa dalam kebakaran di blok C tadi malam.")

        assert "text.deaths" not in codes(result)
        assert result.category == Category.DISASTER

    def test_post_negator_cancels_the_term_before_it(self, policy: Policy) -> None:
        result = run(policy, "Kebakaran di dapur, korban jiwa nihil.")

        assert "text.deaths" not in codes(result)
        assert result.level == 2

    def test_bukan_negates_and_dissatisfied_inmates_still_riot(self, policy: Policy) -> None:
        negated = run(policy, "Kejadian itu bukan kerusuhan.")
        riot = run(policy, "Napi yang tidak puas mengamuk di blok B.")

        assert negated.crisis is False
        assert riot.crisis is True
        assert reason(riot, "category.unrest").triggers == ["mengamuk"]


class TestCounts:
    @pytest.mark.parametrize(
        ("text", "level", "count"),
        [
            (
                "Dua narapidana Lapas Cipinang kabur dengan menjebol teralis kamar mandi.",
                3,
                "(dua narapidana,",
            ),
            ("Seorang napi kabur saat kerja bakti, lalu ditangkap kembali sore itu.", 2, "(seorang napi,"),
            ("Tujuh tahanan Rutan Salemba kabur lewat gorong-gorong toilet.", 4, "(tujuh tahanan,"),
            ("Pelarian dua orang warga binaan terjadi pada Senin dini hari.", 3, "(dua orang warga,"),
        ],
    )
    def test_escapees_counted_from_number_words_and_digits(
        self, policy: Policy, text: str, level: int, count: str
    ) -> None:
        result = run(policy, text)

        assert result.category == Category.ESCAPE
        assert result.level == level
        assert count in reason(result, "text.escapees").text

    def test_two_inmates_escaped_is_level_3(self, policy: Policy) -> None:
        text = (
            "Dua napi Lapas Kelas IIA Cipinang melarikan diri pada Senin dini hari. Petugas bersama "
            "kepolisian melakukan pengejaran."
        )
        result = run(policy, text)

        assert result.crisis is True
        assert result.level == 3
        assert result.category == Category.ESCAPE
        assert reason(result, "text.escapees").level == 3

    def test_many_deaths_in_digits_are_level_4(self, policy: Policy) -> None:
        result = run(policy, "Kebakaran di Blok C2 Lapas Tangerang menewaskan 41 narapidana.")

        assert result.level == 4
        assert result.category == Category.DISASTER
        assert "(41 narapidana," in reason(result, "text.deaths").text

    def test_41_tewas(self, policy: Policy) -> None:
        result = run(policy, "Dalam kebakaran itu 41 tewas.")

        assert result.level == 4

    def test_death_words_count_without_impact_answers(self, policy: Policy) -> None:
        result = run(policy, "Seorang warga binaan meninggal dunia di kamar hunian.")

        assert result.crisis is True
        assert result.level == 3
        assert result.category == Category.DEATH

    def test_time_and_weights_are_not_headcounts(self, policy: Policy) -> None:
        result = run(policy, "Pukul 21.00 WIB napi kabur; 5 gram sabu ditemukan di kamarnya.")

        assert "1 orang" not in reason(result, "text.escapees").text
        # One escapee, no word on a recapture (3); five ("5 gram") would have been a mass escape (4).
        assert reason(result, "text.escapees").level == 3

    def test_suicide_attempt_is_not_a_death(self, policy: Policy) -> None:
        result = run(policy, "Seorang warga binaan melakukan percobaan bunuh diri di kamar hunian.")

        assert "text.deaths" not in codes(result)
        assert result.level == 2
        assert result.category == Category.DEATH


class TestWholeWords:
    def test_obscuring_is_not_escaping(self, policy: Policy) -> None:
        result = run(policy, "Pejabat itu dituding mengaburkan fakta dan kaburkan data anggaran.")

        assert Category.ESCAPE not in [result.category, *result.secondary_categories]
        assert "text.escapees" not in codes(result)

    def test_enclitic_nya_is_read_as_the_word(self, policy: Policy) -> None:
        result = run(policy, "Kaburnya tiga tahanan baru diketahui saat apel pagi.")

        assert result.level == 3
        assert "(tiga tahanan," in reason(result, "text.escapees").text

    def test_bottle_of_water_is_not_a_phone_but_botol_is(self, policy: Policy) -> None:
        water = run(policy, "Pengunjung membawa botol air mineral ke ruang kunjungan.")
        phone = run(policy, "Napi kedapatan menyimpan botol di balik kasur.")

        assert Category.CONTRABAND not in [water.category, *water.secondary_categories]
        assert phone.category == Category.CONTRABAND


class TestPolarity:
    def test_remission_ceremony_is_not_a_crisis(self, policy: Policy) -> None:
        text = (
            "Sebanyak 1.200 warga binaan Lapas Cipinang menerima remisi umum pada peringatan HUT RI ke-80. "
            "Penyerahan remisi dilakukan secara simbolis oleh Kalapas."
        )
        result = run(policy, text)

        assert result.crisis is False
        assert result.level == 1
        assert result.category == Category.ROUTINE
        assert Category.RIGHTS in result.secondary_categories
        assert result.deadlines == {}
        assert "positive.layanan" in codes(result)

    def test_foiled_smuggling_is_not_a_crisis_even_across_sentences(self, policy: Policy) -> None:
        text = (
            "Petugas Lapas Narkotika Samarinda berhasil menggagalkan penyelundupan sabu. Sabu seberat 5 gram "
            "disembunyikan dalam nasi bungkus titipan pengunjung."
        )
        result = run(policy, text)

        assert result.crisis is False
        assert result.level == 1
        assert result.category == Category.ROUTINE
        assert result.secondary_categories == [Category.DRUGS]
        assert "positive.penggagalan" in codes(result)
        assert "sabu" in reason(result, "neutralised.drugs").triggers

    def test_foiled_escape_attempt_is_not_a_crisis(self, policy: Policy) -> None:
        result = run(policy, "Upaya kabur dua napi berhasil digagalkan petugas jaga.")

        assert result.crisis is False
        assert "text.escapees" not in codes(result)

    def test_good_news_does_not_hide_a_death_in_another_sentence(self, policy: Policy) -> None:
        text = "Petugas berhasil menggagalkan penyelundupan sabu. Namun seorang napi tewas overdosis."
        result = run(policy, text)

        assert result.crisis is True
        assert result.level == 3
        assert result.category == Category.DEATH
        assert Category.DRUGS in result.secondary_categories

    def test_severe_keywords_stay_negative_during_a_raid(self, policy: Policy) -> None:
        result = run(policy, "Razia mengungkap pesta narkoba di dalam sel blok A.")

        # A drug party caught inside is a controlled incident (2), never good news.
        assert result.crisis is True
        assert result.level == 2
        assert result.category == Category.DRUGS

    def test_raid_finding_phones_is_proactive_news(self, policy: Policy) -> None:
        result = run(policy, "Razia gabungan di Lapas X menemukan 20 HP dan 3 senjata tajam.")

        assert result.crisis is False
        assert result.secondary_categories == [Category.CONTRABAND]

    def test_routine_activity(self, policy: Policy) -> None:
        result = run(policy, "Kegiatan pelatihan kemandirian warga binaan berupa pembuatan roti.")

        assert result.crisis is False
        assert result.category == Category.ROUTINE
        assert reason(result, "category.routine").level == 1

    def test_service_news_is_rights_but_a_complaint_is_an_issue(self, policy: Policy) -> None:
        news = run(policy, "Layanan kunjungan tatap muka di Rutan Salemba dibuka kembali mulai Senin.")
        complaint = run(policy, "Keluarga napi mengeluhkan layanan kunjungan yang dipersulit petugas.")

        assert news.crisis is False
        assert (news.category, news.secondary_categories) == (Category.ROUTINE, [Category.RIGHTS])
        assert complaint.crisis is True
        assert complaint.level == 1
        assert complaint.category == Category.RIGHTS

    def test_video_answer_does_not_make_good_news_a_crisis(self, policy: Policy) -> None:
        result = run(policy, "Penyerahan remisi kemerdekaan di aula Lapas.", video_exists=True)

        assert result.crisis is False


class TestOfficersAndMedia:
    def test_viral_video_of_abuse_by_officers(self, policy: Policy) -> None:
        text = "Video penganiayaan seorang warga binaan oleh oknum petugas Rutan Medan viral di media sosial."
        result = run(policy, text)

        assert result.crisis is True
        assert result.level >= 3
        assert result.category == Category.VIOLENCE
        assert Category.VIRAL in result.secondary_categories
        officers = reason(result, "modifier.officers_involved")
        assert officers.triggers == ["oleh oknum"]
        assert reason(result, "category.viral").level == 3

    def test_abuse_without_video_is_level_2_plus_officer_modifier(self, policy: Policy) -> None:
        result = run(policy, "Seorang napi mengaku dipukul petugas hingga memar.")

        assert result.level == 3
        assert "modifier.officers_involved" in codes(result)
        assert "modifier.video_exists" not in codes(result)

    def test_a_no_in_the_self_assessment_overrides_the_text(self, policy: Policy) -> None:
        result = run(policy, "Seorang napi mengaku dipukul petugas hingga memar.", officers_involved=False)

        assert result.level == 2
        assert "modifier.officers_involved" not in codes(result)

    def test_head_of_unit_caught_by_kpk_is_level_4(self, policy: Policy) -> None:
        result = run(policy, "Kalapas ditangkap KPK dalam OTT terkait jual beli kamar.")

        assert result.level == 4
        assert result.category == Category.EXTORTION
        assert "amplifier.pimpinan_upt_aph" in codes(result)

    def test_low_reach_hoax_is_capped_at_level_1(self, policy: Policy) -> None:
        result = run(policy, "Beredar kabar hoaks dua napi kabur dari Lapas X melalui grup WhatsApp.")

        assert result.crisis is True
        assert result.level == 1
        assert result.category == Category.VIRAL
        assert "hoax_cap" in codes(result)

    def test_hoax_with_national_reach_is_not_capped(self, policy: Policy) -> None:
        text = "Beredar kabar hoaks dua napi kabur dari Lapas X."
        result = run(policy, text, media_reach=MediaReach.NATIONAL)

        assert result.level == 3
        assert "hoax_cap" not in codes(result)


class TestImpactAnswers:
    def test_impact_answers_alone_raise_the_level(self, policy: Policy) -> None:
        text = "Terjadi kejadian menonjol di blok hunian, rincian menyusul."
        plain = run(policy, text)
        answered = run(policy, text, deaths=2, injuries=3)

        assert plain.crisis is False
        assert answered.crisis is True
        assert answered.level == 4
        assert answered.category == Category.DEATH
        assert reason(answered, "impact.deaths").triggers == ["impact.deaths=2"]
        assert "no_match" in codes(answered)

    @pytest.mark.parametrize(
        ("impact", "level"),
        [
            ({"escapees": 1}, 2),
            ({"escapees": 2}, 3),
            ({"escapees": 5}, 4),
            ({"deaths": 1}, 3),
            ({"injuries": 1}, 2),
            ({"media_reach": MediaReach.NATIONAL}, 3),
            ({"media_reach": MediaReach.REGIONAL}, 2),
        ],
    )
    def test_each_answer_maps_to_its_level(self, policy: Policy, impact: dict[str, Any], level: int) -> None:
        result = run(policy, "Laporan awal dari petugas jaga.", **impact)

        assert result.crisis is True
        assert result.level == level

    def test_modifiers_add_one_step_in_total_and_cap_at_4(self, policy: Policy) -> None:
        text = "Seorang napi kabur dari Lapas X dan ditangkap kembali sejam kemudian."
        one = run(policy, text, children_involved=True)
        many = run(policy, text, children_involved=True, video_exists=True, recent=2)
        top = run(policy, text, escapees=9, video_exists=True)

        assert one.level == 3
        assert many.level == 3
        assert "tidak dijumlahkan" in reason(many, "modifiers").text
        assert reason(many, "modifier.recurrence").triggers == ["recent_incidents_at_unit=2"]
        assert top.level == 4

    def test_lpka_unit_means_children_are_involved(self, policy: Policy) -> None:
        result = run(policy, "Empat anak kabur dari blok hunian pada malam hari.", unit=LPKA)

        assert result.level == 4
        assert "unit.type=LPKA" in reason(result, "modifier.children_involved").triggers

    def test_facts_are_read_with_the_text(self, policy: Policy) -> None:
        facts = Facts(what=Fact(value="Kerusuhan di blok B"), how=Fact(value="Napi membakar kasur"))
        result = run(policy, "Laporan awal dari petugas jaga.", facts=facts)

        assert "Kerusuhan di blok B" in report_text(
            ReportSnapshot(report_id=uuid.uuid4(), text="x", facts=facts, received_at=datetime.now(UTC))
        )
        assert result.category == Category.UNREST
        assert result.level == 3


class TestNothingMatched:
    def test_unknown_text_is_level_1_not_a_crisis_and_says_so(self, policy: Policy) -> None:
        result = run(policy, "Ada masalah di blok A, mohon arahan.")

        assert result.crisis is False
        assert result.level == 1
        assert result.category == Category.ROUTINE
        assert "tidak cocok" in reason(result, "no_match").text

    def test_media_words_only_choose_viral(self, policy: Policy) -> None:
        result = run(policy, "Ada unggahan TikTok tentang Lapas X yang ramai dikomentari.")

        assert result.crisis is False
        assert (result.category, result.secondary_categories) == (Category.ROUTINE, [Category.VIRAL])
        assert "tiktok" in reason(result, "no_match").triggers

    def test_unknown_text_with_soft_impact_signal_is_a_crisis(self, policy: Policy) -> None:
        result = run(policy, "Ada unggahan TikTok tentang Lapas X.", video_exists=True)

        assert result.crisis is True
        assert result.level == 2
        assert result.category == Category.VIRAL
        assert "jawaban penilaian dampak" in reason(result, "no_match").text


# --- issue 12: kinds of report the real news taught us (our own wording, not the real items) ---------


@pytest.mark.parametrize(
    ("text", "category", "level"),
    [
        # fraud run from inside
        (
            "Polres Depok membongkar penipuan online yang dikendalikan seorang napi dari dalam Lapas "
            "Kelas IIA Cibinong dengan ponsel selundupan.",
            Category.CONTRABAND,
            2,
        ),
        (
            "Napi kendalikan penipuan lewat WhatsApp dari balik jeruji, korban rugi puluhan juta.",
            Category.CONTRABAND,
            3,
        ),
        # luxury or special cells: a sidak that found one is not good news
        (
            "Sidak Ombudsman menemukan sel mewah yang masih digunakan seorang terpidana, lengkap dengan "
            "pendingin ruangan dan kulkas.",
            Category.EXTORTION,
            3,
        ),
        (
            "Dalam sidak gabungan petugas mendapati kamar istimewa milik seorang bandar.",
            Category.EXTORTION,
            3,
        ),
        # officers arrested, in any word order
        (
            "Seorang sipir Rutan Kelas I Medan bernama R diringkus Satresnarkoba karena menyelundupkan sabu.",
            Category.MISCONDUCT,
            3,
        ),
        ("Oknum pegawai Rutan Pekanbaru diamankan polisi karena positif narkoba.", Category.MISCONDUCT, 3),
        # the aftermath of disasters
        (
            "Tiga hari pascagempa, Lapas Kelas IIA Palu masih tanpa listrik dan tembok luar roboh.",
            Category.DISASTER,
            2,
        ),
        (
            "Sepekan setelah banjir, blok hunian Rutan Sampang masih terendam dan warga binaan mengungsi.",
            Category.DISASTER,
            2,
        ),
        # transfers and visiting rights in dispute
        (
            "Puluhan keluarga napi berkumpul di depan Lapas Cipinang memprotes pemindahan mendadak ke "
            "Nusakambangan.",
            Category.RIGHTS,
            1,
        ),
        (
            "Keluarga tahanan keberatan karena kunjungan dilarang selama sebulan tanpa alasan.",
            Category.RIGHTS,
            1,
        ),
        # viral videos of inmate life
        ("Video napi berjoget bersama seorang napi pria di dalam sel beredar di TikTok.", Category.VIRAL, 2),
        (
            "Warganet heboh, seorang tahanan live TikTok dari dalam sel sambil bernyanyi.",
            Category.CONTRABAND,
            2,
        ),
        # deaths in custody reported by families
        (
            "Keluarga menduga Andi dianiaya sebelum meninggal di Lapas Kutacane; di tubuhnya ada luka lebam.",
            Category.VIOLENCE,
            3,
        ),
        (
            "Seorang napi berkelahi dengan teman satu kamar hingga tewas di Lapas Kelas IIB Tuban.",
            Category.VIOLENCE,
            3,
        ),
    ],
)
def test_new_kinds_of_report_are_crises(policy: Policy, text: str, category: Category, level: int) -> None:
    result = run(policy, text)

    assert result.crisis is True, codes(result)
    assert result.category == category, codes(result)
    assert result.level >= level


def test_a_doubted_death_from_illness_is_not_held_at_level_2(policy: Policy) -> None:
    plain = run(policy, "Seorang napi meninggal dunia karena sakit jantung di Lapas Kelas IIA Jember.")
    doubted = run(
        policy,
        "Seorang napi meninggal karena sakit menurut pihak Lapas, namun keluarga menemukan kejanggalan.",
    )

    assert plain.level == 2
    assert doubted.level == 3


@pytest.mark.parametrize(
    "text",
    [
        "Petugas berhasil menggagalkan penyelundupan sabu; pengunjung berinisial AS diamankan petugas.",
        "Sidak Kanwil di Lapas Kelas IIA Bogor: tidak ditemukan HP maupun narkoba di kamar hunian.",
        "Kurangi over crowded, Lapas Besi memindahkan 20 warga binaan ke dua lapas lain.",
        "Penyerahan remisi kepada 240 warga binaan berlangsung tertib di Lapas Sukamiskin.",
        # an officer catching a visitor or a courier is the good news, not an officer arrested
        "Petugas menggagalkan penyelundupan sabu; pengunjung AS ditangkap petugas dan diserahkan ke polisi.",
        "Penyelundupan HP lewat tembok digagalkan petugas jaga; pelempar ditangkap dan ditetapkan tersangka.",
        "Razia yang dipimpin langsung Kepala Lapas menemukan dua paket sabu; pemiliknya ditangkap.",
    ],
)
def test_good_news_stays_good_news_when_nothing_wrong_was_found(policy: Policy, text: str) -> None:
    result = run(policy, text)

    assert (result.crisis, result.needs_review) == (False, False), codes(result)
    assert result.category == Category.ROUTINE


def test_a_criticised_remission_is_not_good_news(policy: Policy) -> None:
    result = run(policy, "Pemberian remisi kepada napi korupsi dikritik karena dinilai berikan efek buruk.")

    assert (result.crisis, result.category) == (True, Category.RIGHTS)


class TestIssue12Misreads:
    def test_police_helping_the_chase_is_not_an_officer_in_trouble(self, policy: Policy) -> None:
        result = run(policy, "Dua napi kabur dari Lapas Sampit; petugas dibantu Polres melakukan pengejaran.")

        assert result.category == Category.ESCAPE
        assert "amplifier.aph" not in codes(result)
        assert result.axes["dimensi_hukum"] == 0
        assert not any("aparat penegak hukum" in r.text for r in result.reasons)

    def test_an_officer_arrested_by_police_still_involves_them(self, policy: Policy) -> None:
        result = run(policy, "Polres Sleman menangkap seorang petugas Lapas yang membawa sabu ke dalam blok.")

        assert result.level >= 3
        assert "amplifier.aph" in codes(result)

    @pytest.mark.parametrize(
        "text",
        [
            "Seorang napi kabur dari Lapas Kelas IIA Jember dan kini berstatus DPO.",
            "Dua napi kabur dari Lapas Kelas IIA Jember dan hingga kini belum tertangkap.",
            "Tiga napi yang kabur dari Rutan Palu masih buron.",
            "Seorang napi kabur dari Lapas Jember pagi tadi.",  # nothing said about recapture
        ],
    )
    def test_an_escape_still_at_large_is_not_a_recovered_breach(self, policy: Policy, text: str) -> None:
        result = run(policy, text)

        keamanan = reason(result, "matrix.keamanan")
        assert "sudah pulih" not in keamanan.text
        assert result.axes["keamanan"] >= 2

    def test_at_large_words_score_an_ongoing_breach(self, policy: Policy) -> None:
        result = run(policy, "Seorang napi kabur dari Lapas Kelas IIA Jember dan kini berstatus DPO.")

        assert result.axes["keamanan"] == 3
        assert result.level == 3

    def test_a_recaptured_escape_has_recovered(self, policy: Policy) -> None:
        result = run(
            policy, "Seorang napi kabur dari Lapas Jember namun berhasil ditangkap kembali sore harinya."
        )

        assert "sudah pulih" in reason(result, "matrix.keamanan").text
        assert result.level == 2

    def test_hundreds_still_at_large_is_a_mass_escape(self, policy: Policy) -> None:
        result = run(policy, "Ratusan napi belum tertangkap setelah kabur dari Lapas Sorong.")

        assert result.level == 4
        escape = reason(result, "text.escapees")
        assert "ratusan napi" in escape.text
        assert "Pelarian massal" in escape.text


# --- bad input: a reading or "perlu ditinjau", never an error -----------------------------------------

LONG = ("Seorang napi kabur dari Lapas Kelas IIA Jember pagi tadi dan petugas melakukan pencarian. " * 300)[
    :20000
]


@pytest.mark.parametrize(
    "text",
    [
        "DUA NAPI LAPAS KELAS IIA SAMPIT KABUR DINI HARI TADI, HINGGA KINI BELUM TERTANGKAP!!!",
        "gan ada napi kbur dr lapas td mlm 😱😱 blm ketangkep smpe skrg, polisi lg nyari 🚨",
        "Wonten napi ingkang mlayu saking Lapas Klaten wingi bengi, dereng kecekel.",  # Javanese
        "Aya tahanan nu kabur ti Rutan Garut tadi peuting, can kapanggih keneh.",  # Sundanese
        LONG,
        "https://www.example.com/berita/2025/11/02/napi-kabur-lapas-jember",
        "Seorang napi tewas dikeroyok di blok C. Secara terpisah, dua napi lain kabur lewat atap dapur.",
        "🙏🙏🙏",
        "....",
    ],
)
def test_bad_input_gets_a_reading_or_needs_review(policy: Policy, text: str) -> None:
    result = run(policy, text)

    assert result.crisis or result.needs_review or result.category == Category.ROUTINE
    assert result.crisis or result.needs_review, "nothing here is clearly routine: a person must see it"
    assert all(len(r.text) < 2000 for r in result.reasons)


def test_capitals_slang_and_a_link_are_read_as_the_words_they_are(policy: Policy) -> None:
    capitals = run(
        policy, "DUA NAPI LAPAS KELAS IIA SAMPIT KABUR DINI HARI TADI, HINGGA KINI BELUM TERTANGKAP!!!"
    )
    slang = run(policy, "gan ada napi kbur dr lapas td mlm 😱😱 blm ketangkep smpe skrg")
    link = run(policy, "https://www.example.com/berita/2025/11/02/napi-kabur-lapas-jember")

    assert (capitals.category, capitals.level) == (Category.ESCAPE, 3)
    assert (slang.crisis, slang.category) == (True, Category.ESCAPE)
    # The numbers of a link ("/2025/11/02/") are never a count of escapees (a count would make 4); one
    # escapee with no word on a recapture is 3.
    assert (link.category, link.level) == (Category.ESCAPE, 3)


def test_two_events_in_one_message_are_both_read(policy: Policy) -> None:
    result = run(
        policy,
        "Seorang napi tewas dikeroyok di blok C. Secara terpisah, dua napi lain kabur lewat atap dapur.",
    )

    found = {result.category, *result.secondary_categories}
    assert {Category.VIOLENCE, Category.ESCAPE} <= found
    assert result.level >= 3
    assert {"text.deaths", "text.escapees"} <= set(codes(result))


class TestRoundTwoKinds:
    """Kinds of report the real news taught in round two of issue 12, written in our own words."""

    def test_an_escape_with_no_word_on_a_recapture_is_not_recaptured(self, policy: Policy) -> None:
        open_case = run(policy, "Seorang tahanan Rutan X kabur lewat jendela dapur pada Senin malam.")
        caught = run(policy, "Seorang tahanan Rutan X kabur lewat jendela dapur, lalu ditangkap kembali.")
        rumour = run(policy, "Beredar kabar seorang tahanan Rutan X kabur; belum ada konfirmasi resmi.")

        assert open_case.level == 3
        assert "belum disebut tertangkap kembali" in reason(open_case, "text.escapees").text
        assert caught.level == 2
        assert rumour.level == 2

    def test_illness_deaths_counted_over_a_year_are_a_tally_not_multiple_fatalities(
        self, policy: Policy
    ) -> None:
        tally = run(policy, "Sembilan napi Lapas X meninggal selama 2024 karena penyakit kronis.")
        incident = run(policy, "Sembilan napi Lapas X meninggal karena penyakit setelah keracunan massal.")

        assert tally.level == 2
        assert incident.level == 4

    def test_another_units_past_event_is_background_not_this_units_incident(self, policy: Policy) -> None:
        text = (
            "Belajar dari kebakaran yang menewaskan puluhan napi di Lapas lain, Lapas X memeriksa "
            "instalasi listrik di semua blok."
        )
        background = run(policy, text)
        own = run(policy, "Kebakaran di Lapas X menewaskan dua napi. Kami belajar dari kejadian ini.")

        assert background.crisis is False
        assert "background" in codes(background)
        assert own.crisis is True
        assert own.level == 4

    def test_a_feel_good_viral_video_is_not_a_crisis_but_a_bad_one_is(self, policy: Policy) -> None:
        good = run(policy, "Video napi Lapas X terharu saat nobar film keluarga viral di media sosial.")
        bad = run(policy, "Video napi Lapas X berjoget sambil pesta sabu viral di media sosial.")

        assert good.crisis is False
        assert bad.crisis is True

    def test_a_viral_video_of_a_drug_party_is_3_with_the_video_counted_once(self, policy: Policy) -> None:
        result = run(policy, "Viral video napi Lapas X pesta sabu di dalam kamar hunian.")

        assert (result.category, result.level) == (Category.DRUGS, 3)
        assert "modifier.video_exists.absorbed" in codes(result)

    def test_being_a_terrorism_convict_is_who_not_what_happened(self, policy: Policy) -> None:
        figures = run(policy, "Lapas X kini menampung 150 napiter yang mengikuti program deradikalisasi.")
        at_large = run(policy, "Dua napi teroris kabur dari Lapas X dan masih berkeliaran.")

        assert figures.crisis is False
        assert at_large.level == 4
        assert Category.TERRORISM in {at_large.category, *at_large.secondary_categories}

    def test_a_scam_run_from_inside_is_fraud_and_a_drug_ring_is_drugs(self, policy: Policy) -> None:
        scam = run(policy, "Polisi membongkar penipuan online yang dikendalikan dari dalam Lapas X.")
        ring = run(policy, "Polisi membongkar peredaran sabu yang dikendalikan dari dalam Lapas X.")

        assert scam.category == Category.CONTRABAND
        assert ring.category == Category.DRUGS
        assert ring.level == 3

    @pytest.mark.parametrize(
        ("text", "category"),
        [
            ("Ombudsman menelusuri kamar napi bak hotel bintang lima di Lapas X.", Category.EXTORTION),
            ("Diduga ada napi perempuan yang dieksploitasi di Lapas X.", Category.MISCONDUCT),
            ("Napi Rutan X bercerita tentang sel hukuman tanpa toilet dan jendela.", Category.RIGHTS),
            (
                "Polisi menelusuri asal telepon penipu, ternyata mengarah kepada seorang napi.",
                Category.CONTRABAND,
            ),
        ],
    )
    def test_allegations_in_words_the_lexicon_lacked(
        self, policy: Policy, text: str, category: Category
    ) -> None:
        result = run(policy, text)

        assert result.crisis is True
        assert result.category == category

    def test_visitors_caught_at_the_gate_are_good_news_a_profile_is_not_an_assault(
        self, policy: Policy
    ) -> None:
        caught = run(policy, "Dua pengunjung Rutan X ditangkap oleh petugas karena kedapatan membawa sabu.")
        profile = run(policy, "Penghuni LPKA X didominasi terpidana pelecehan seksual, kata Kepala LPKA.")

        assert caught.crisis is False
        assert profile.crisis is False

    def test_who_arrests_whom(self, policy: Policy) -> None:
        caught_by_officers = run(policy, "Petugas Lapas X menangkap dua napi yang mencoba kabur lewat atap.")
        officer_caught = run(policy, "Seorang sipir Lapas X ditangkap polisi karena membawa sabu.")
        by_bnn_officers = run(
            policy, "Seorang sipir Lapas X ditangkap petugas BNN karena menyelundupkan sabu."
        )

        assert caught_by_officers.category != Category.MISCONDUCT
        assert caught_by_officers.level <= 2
        assert officer_caught.level == 3
        assert by_bnn_officers.crisis is True
        assert by_bnn_officers.level == 3

    def test_a_killing_is_3_a_stabbing_2_and_a_convicts_charge_is_not_an_event(self, policy: Policy) -> None:
        killing = run(policy, "Seorang napi Lapas X membunuh teman satu selnya pada Minggu dini hari.")
        stabbing = run(policy, "Seorang napi Lapas X ditikam sesama napi dan dirawat di klinik.")
        charge = run(policy, "Napi kasus pembunuhan berencana itu menerima remisi Natal.")

        assert (killing.category, killing.level) == (Category.VIOLENCE, 3)
        assert (stabbing.category, stabbing.level) == (Category.VIOLENCE, 2)
        assert charge.crisis is False

    def test_a_drug_network_tied_to_a_prison_is_never_a_foiled_attempt(self, policy: Policy) -> None:
        result = run(policy, "BNNP berhasil mengungkap peredaran narkoba jaringan lapas di Kota X.")

        assert result.crisis is True
        assert (result.category, result.level) == (Category.DRUGS, 3)
