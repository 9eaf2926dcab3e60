"""One incident per event: joining, the reason on the timeline, merge and split; the self-assessment
completed later (report.updated)."""

from datetime import timedelta

import httpx

from tanggap_intake.lexicon import category_hint, mentions_corrections, tone
from tanggap_intake.matching import Candidate, compatible, find_match, report_category
from tanggap_shared.events import ReportReceived, ReportUpdated, utcnow

from .conftest import incident, published, report

CIPINANG = "DKI-LAPAS-CIPINANG"


def test_the_lexicon_reads_topic_and_polarity_apart() -> None:
    assert category_hint("7 tahanan kabur lewat gorong-gorong") == "escape"
    assert category_hint("Kericuhan di blok hunian, seorang WBP tewas") == "unrest"
    foiled = tone("Petugas Lapas berhasil menggagalkan penyelundupan sabu dalam titipan makanan")
    assert foiled.polarity == "positive"
    assert tone("Napi kabur, video viral di TikTok").polarity == "negative"
    assert report_category("Sebanyak 120 warga binaan menerima remisi") == "routine"
    assert mentions_corrections("Karutan Salemba memberi keterangan")
    assert not mentions_corrections("Harga cabai naik di pasar induk")


def test_categories_of_one_event_are_compatible_and_good_news_is_not() -> None:
    assert compatible("unrest", "death") is True
    assert compatible("escape", "misconduct") is True
    assert compatible("escape", "drugs") is False
    assert compatible("routine", "unrest") is False
    assert compatible("viral", "extortion") is True
    assert compatible("unknown", "unrest") is None


def test_a_match_needs_a_compatible_category_or_similar_text() -> None:
    now = utcnow()
    riot = Candidate("a", "unrest", now - timedelta(hours=2), ["Terjadi kericuhan di blok hunian Lapas"])
    escape = Candidate("b", "escape", now - timedelta(hours=1), ["Dua tahanan kabur"])
    kwargs = {"unit_name": "Lapas Kelas I Cipinang", "now": now, "window_hours": 48, "min_similarity": 0.3}
    match = find_match("Ricuh lagi di blok C, petugas luka", [riot, escape], **kwargs)  # type: ignore[arg-type]
    assert match is not None
    assert match.incident_id == "a"
    assert "kategori sama (unrest)" in match.reason
    assert "2 jam lalu" in match.reason
    assert find_match("Warga binaan menerima remisi", [riot, escape], **kwargs) is None  # type: ignore[arg-type]
    assert find_match("Sabu ditemukan di kamar", [riot, escape], **kwargs) is None  # type: ignore[arg-type]


async def test_a_second_report_of_the_same_event_joins_its_incident(intake: httpx.AsyncClient) -> None:
    first = await report(
        intake, CIPINANG, "Terjadi kerusuhan di blok hunian, dua WBP luka.", source="internal"
    )
    second = await report(
        intake, "Lapas Cipinang", "Media online memberitakan kericuhan di Lapas Cipinang.", source="media"
    )
    assert second["incident_id"] == first["incident_id"]
    assert second["joined_existing"] is True
    assert "kategori sama (unrest)" in second["match_reason"]
    other = await report(intake, CIPINANG, "Sebanyak 40 WBP menerima remisi khusus hari raya.")
    assert other["incident_id"] != first["incident_id"]
    elsewhere = await report(intake, "Rutan Salemba", "Terjadi kerusuhan di blok hunian, dua WBP luka.")
    assert elsewhere["incident_id"] != first["incident_id"]

    view = await incident(intake, first["incident_id"])
    assert [r["id"] for r in view["reports"]] == [first["report_id"], second["report_id"]]
    joined = view["timeline"][-1]
    assert joined["kind"] == "report.received"
    assert "digabung ke insiden ini" in joined["summary"]
    events = await published(intake, "report.received", first["incident_id"], expect=2)
    flags = [
        (str(e.report.report_id), e.joined_existing, bool(e.match_reason))
        for e in events
        if isinstance(e, ReportReceived)
    ]
    assert flags == [(first["report_id"], False, False), (second["report_id"], True, True)]


async def test_merge_moves_the_reports_and_split_takes_one_out(intake: httpx.AsyncClient) -> None:
    a = await report(intake, CIPINANG, "Ada keributan di blok hunian.")
    b = await report(intake, CIPINANG, "Ditemukan sabu di kamar hunian blok B.")
    assert a["incident_id"] != b["incident_id"]
    url = f"/v1/incidents/{b['incident_id']}/merge"
    assert (
        await intake.post(url, json={"into": b["incident_id"], "merged_by": "Humas", "reason": "x"})
    ).status_code == 422
    assert (
        await intake.post(url, json={"into": "nope", "merged_by": "Humas", "reason": "x"})
    ).status_code == 404

    merged = await intake.post(
        url, json={"into": a["incident_id"], "merged_by": "Humas", "reason": "Keributan dipicu temuan sabu"}
    )
    assert merged.status_code == 200, merged.text
    assert {r["id"] for r in merged.json()["reports"]} == {a["report_id"], b["report_id"]}
    source = await incident(intake, b["incident_id"])
    assert source["merged_into"] == a["incident_id"]
    assert source["reports"] == []
    assert (
        await intake.post(url, json={"into": a["incident_id"], "merged_by": "H", "reason": "x"})
    ).status_code == 409
    assert len(await published(intake, "incident.merged", b["incident_id"])) == 1

    split = await intake.post(
        f"/v1/reports/{b['report_id']}/split", json={"split_by": "Humas", "reason": "Kejadian berbeda"}
    )
    assert split.status_code == 202, split.text
    new_id = split.json()["incident_id"]
    assert new_id not in (a["incident_id"], b["incident_id"])
    assert [r["id"] for r in (await incident(intake, new_id))["reports"]] == [b["report_id"]]
    assert [r["id"] for r in (await incident(intake, a["incident_id"]))["reports"]] == [a["report_id"]]
    events = await published(intake, "report.received", new_id)
    assert [(e.joined_existing, str(e.report.report_id)) for e in events] == [(False, b["report_id"])]  # type: ignore[union-attr]
    only = await intake.post(f"/v1/reports/{a['report_id']}/split", json={"split_by": "Humas", "reason": "x"})
    assert only.status_code == 409


async def test_the_self_assessment_is_completed_later_and_published(intake: httpx.AsyncClient) -> None:
    accepted = await report(
        intake,
        CIPINANG,
        "Beredar video napi berpesta di kamar.",
        facts={"what": "video pesta di kamar"},
        impact={"video_exists": True},
        stakeholders=["media"],
    )
    url = f"/v1/reports/{accepted['report_id']}"
    patch = {
        "updated_by": "Verifikator (KPLP)",
        "source": "social",
        "facts": {"what": {"value": "video lama 2019", "verified": True}, "when": "2019"},
        "impact": {"media_reach": "national", "video_exists": None},
        "links": ["https://tiktok.example/v/1"],
        "stakeholders": ["media", "ditjenpas"],
    }
    r = await intake.patch(url, json=patch)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["changes"] == ["facts", "impact", "links", "source", "stakeholders"]
    assert body["report"]["facts"] == {
        "what": {"value": "video lama 2019", "verified": True},
        "when": {"value": "2019", "verified": False},
    }
    assert body["report"]["impact"] == {"media_reach": "national"}
    assert body["report"]["updated_by"] == "Verifikator (KPLP)"

    same = await intake.patch(url, json={"updated_by": "X", "source": "social"})
    assert same.json()["changes"] == []
    events = await published(intake, "report.updated", accepted["incident_id"])
    assert len(events) == 1
    event = events[0]
    assert isinstance(event, ReportUpdated)
    assert event.report.facts.what is not None
    assert event.report.facts.what.verified
    assert event.report.impact.media_reach == "national"
    assert event.report.links == ["https://tiktok.example/v/1"]
    assert event.changes == ["facts", "impact", "links", "source", "stakeholders"]

    for bad in (
        {"source": "social"},
        {"updated_by": "A", "text": "ganti"},
        {"updated_by": "A", "links": ["ftp://x"]},
        {"updated_by": "A", "links": ["https://a.id"] * 21},
        {"updated_by": "A", "facts": {"what": "a\x07b"}},
    ):
        refused = await intake.patch(url, json=bad)
        assert refused.status_code == 422, (bad, refused.text)
    assert (await intake.patch("/v1/reports/nope", json={"updated_by": "A"})).status_code == 404
    timeline = (await incident(intake, accepted["incident_id"]))["timeline"]
    assert [t["kind"] for t in timeline].count("report.updated") == 1
