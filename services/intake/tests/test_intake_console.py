"""The console over real HTTP: the dashboard, the report form, the incident page and its decisions, the
plan, the .docx export, the library, the media monitor, the team page and the admin pages."""

import io
import uuid
from datetime import date

import httpx
from docx import Document
from sqlalchemy import select

from tanggap_intake.access import UserRole
from tanggap_intake.models import CrisisPlan, MediaTally, Report
from tanggap_shared.contracts import DraftKind
from tanggap_shared.events import Finding

from .conftest import (
    add_user,
    apply,
    classified_event,
    console,
    draft_event,
    drafter_checked,
    incident,
    notification_sent,
    published,
    report,
    runtime_of,
    team_event,
)

RIOT = "Terjadi keributan antarwarga binaan di blok hunian; situasi sudah terkendali."
BLOCKING = Finding(
    code="unverified_fact",
    severity="blocking",
    message="Jumlah korban belum terverifikasi.",
    excerpt="tiga orang luka",
)


async def _crisis(intake: httpx.AsyncClient, level: int = 3) -> tuple[str, str]:
    """A classified incident with its team, a notification and a proposed holding statement."""
    incident_id = str((await report(intake, "DKI-LAPAS-CIPINANG", RIOT))["incident_id"])
    draft = draft_event(
        incident_id,
        text="Kami prihatin. Dalam keributan itu tiga orang luka. [waktu kejadian]",
        findings=[BLOCKING],
    )
    await apply(
        intake,
        classified_event(incident_id, level),
        team_event(incident_id, level),
        notification_sent(incident_id, "Kalapas Uji"),
        draft,
    )
    return incident_id, str(draft.draft_id)


async def test_pages_need_a_login_and_come_back_after_it(intake: httpx.AsyncClient) -> None:
    for path in (
        "/",
        "/reports/new",
        "/team",
        "/media",
        "/library",
        "/admin/users",
        f"/incidents/{uuid.uuid4()}",
    ):
        answer = await intake.get(path)
        assert answer.status_code == 303, path
        assert answer.headers["location"].startswith("/login?next="), path
    async with console(intake) as admin:
        page = await admin.get("/")
        assert page.status_code == 200
        assert "Insiden terbuka" in page.text
        assert page.headers["content-security-policy"].startswith("default-src 'self'")
        assert page.headers["x-frame-options"] == "DENY"


async def test_the_dashboard_shows_clocks_by_level(intake: httpx.AsyncClient) -> None:
    incident_id, _ = await _crisis(intake, level=3)
    async with console(intake) as admin:
        page = (await admin.get("/")).text
    assert f'data-incident="{incident_id}"' in page
    assert "Level 3 · Tinggi" in page
    assert "Pernyataan awal" in page
    assert "Siklus 60 menit" in page
    assert page.count("data-due=") >= 2, "both countdowns tick in the browser"
    assert "sisa" in page


async def test_a_report_filed_through_the_form_is_a_report(intake: httpx.AsyncClient) -> None:
    async with console(intake) as admin:
        form = await admin.get("/reports/new")
        assert form.status_code == 200
        assert 'name="verified_what"' in form.text
        answer = await admin.post(
            "/reports/new",
            {
                "request_key": "k1",
                "unit_code": "DKI-LAPAS-CIPINANG",
                "text": "Dua warga binaan berkelahi di blok C; satu luka ringan.",
                "source": "internal",
                "fact_what": "perkelahian antarwarga binaan",
                "verified_what": "on",
                "fact_where": "blok hunian",
                "injuries": "1",
                "children_involved": "tidak",
                "stakeholders": ["keluarga", "media"],
                "links": "https://contoh.id/berita-1\n",
                "reported_by": "Budi, Humas",
            },
        )
        assert answer.status_code == 303, answer.text[:800]
        incident_id = answer.headers["location"].rsplit("/", 1)[-1]
        again = await admin.post(
            "/reports/new",
            {"request_key": "k1", "unit_code": "DKI-LAPAS-CIPINANG", "text": "Dua warga binaan berkelahi."},
        )
        assert again.status_code == 303, "a second submit of the same form is not a second report"
    body = await incident(intake, incident_id)
    assert len(body["reports"]) == 1
    filed = body["reports"][0]
    assert filed["channel"] == "web"
    assert filed["facts"]["what"] == {"value": "perkelahian antarwarga binaan", "verified": True}
    assert filed["facts"]["where"]["verified"] is False
    assert filed["impact"] == {"injuries": 1, "children_involved": False}
    assert filed["stakeholders"] == ["keluarga", "media"]
    assert filed["reported_by"] == "Budi, Humas"
    assert await published(intake, "report.received", incident_id)


async def test_form_errors_are_named_in_indonesian_and_answers_kept(intake: httpx.AsyncClient) -> None:
    async with console(intake) as admin:
        answer = await admin.post(
            "/reports/new",
            {"unit_code": "DKI-LAPAS-CIPINANG", "text": "", "deaths": "-2", "fact_who": "WBP berinisial AB"},
        )
    assert answer.status_code == 422
    assert "Laporan belum dapat dikirim" in answer.text
    assert "Uraian laporan: wajib diisi" in answer.text
    assert "Meninggal: tidak boleh negatif" in answer.text
    assert 'value="WBP berinisial AB"' in answer.text, "what was typed stays in the form"


async def test_a_humas_officer_edits_and_the_head_approves(intake: httpx.AsyncClient) -> None:
    incident_id, draft_id = await _crisis(intake, level=2)
    await add_user(intake, "humas", UserRole.HUMAS_UPT, unit="DKI-LAPAS-CIPINANG", name="Budi Humas")
    await add_user(intake, "kalapas", UserRole.KEPALA_UPT, unit="DKI-LAPAS-CIPINANG", name="Kalapas Cipinang")
    edited = "Kami prihatin atas keributan di blok hunian. [waktu kejadian]"
    async with console(intake, "humas") as humas:
        page = (await humas.get(f"/incidents/{incident_id}")).text
        assert "Persetujuan oleh Kepala UPT" in page
        assert 'value="approved"' not in page, "no approve button without the authority"
        saved = await humas.post(f"/drafts/{draft_id}/save", {"text": edited})
        assert saved.status_code == 303
        refused = await humas.post(f"/drafts/{draft_id}/review", {"decision": "approved", "text": edited})
        assert refused.status_code == 403
        assert "Kepala UPT" in refused.text
    async with console(intake, "kalapas") as head:
        page = (await head.get(f"/incidents/{incident_id}")).text
        assert edited in page, "the head starts from the saved edit"
        assert "suntingan terakhir oleh Budi Humas" in page
        blocked = await head.post(
            f"/drafts/{draft_id}/review",
            {"decision": "approved", "text": "Kami prihatin. Dalam keributan itu tiga orang luka."},
        )
        assert blocked.status_code == 422
        assert "Persetujuan ditolak" in blocked.text
        assert "tiga orang luka" in blocked.text
        assert "Dalam keributan itu tiga orang luka." in blocked.text, "the edit is kept on the page"
        approval = {"decision": "approved", "text": edited, "reviewer": "Orang Lain"}
        waiting = await head.post(f"/drafts/{draft_id}/review", approval)
        assert waiting.status_code == 409, "the edit waits for the drafter's check (issue 13)"
        assert "pemeriksaan teks terbaru belum selesai" in waiting.text
        await drafter_checked(intake, draft_id)
        approved = await head.post(f"/drafts/{draft_id}/review", approval)
        assert approved.status_code == 303
    body = await incident(intake, incident_id)
    draft = body["drafts"][0]
    assert (draft["status"], draft["reviewed_by"], draft["final_text"]) == (
        "approved",
        "Kalapas Cipinang",
        edited,
    )
    assert any("disetujui oleh Kalapas Cipinang" in t["summary"] for t in body["timeline"])
    [event] = await published(intake, "draft.reviewed", incident_id)
    assert event.reviewer == "Kalapas Cipinang"  # type: ignore[union-attr]


async def test_override_phase_close_and_acknowledge_from_the_page(intake: httpx.AsyncClient) -> None:
    incident_id, _ = await _crisis(intake, level=2)
    await add_user(intake, "kalapas", UserRole.KEPALA_UPT, unit="DKI-LAPAS-CIPINANG", name="Kalapas")
    async with console(intake, "kalapas") as head:
        up = await head.post(f"/incidents/{incident_id}/level", {"level": "3", "reason": "video viral"})
        assert up.status_code == 303
        down = await head.post(f"/incidents/{incident_id}/level", {"level": "2", "reason": "keliru"})
        assert down.status_code == 403, "lowering a level 3 needs Kanwil"
        nameless = await head.post(f"/incidents/{incident_id}/level", {"level": "4", "reason": ""})
        assert nameless.status_code == 422
        body = await incident(intake, incident_id)
        notification = body["notifications"][0]["notification_id"]
        ack = await head.post(f"/notifications/{notification}/acknowledge")
        assert ack.status_code == 303
        close = await head.post(f"/incidents/{incident_id}/close", {"declaration": "Situasi pulih."})
        assert close.status_code == 403
        assert "hanya dapat ditutup oleh" in close.text
    async with console(intake) as admin:
        closed = await admin.post(f"/incidents/{incident_id}/close", {"declaration": "Situasi pulih."})
        assert closed.status_code == 303
    body = await incident(intake, incident_id)
    assert (body["level"], body["level_override"]["by"]) == (3, "Kalapas")
    assert body["notifications"][0]["acknowledged_by"] == "Kalapas"
    assert (body["phase"], body["closed_by"]) == ("ditutup", "Administrator")


async def test_the_plan_is_prefilled_saved_and_exported(intake: httpx.AsyncClient) -> None:
    incident_id, _ = await _crisis(intake, level=3)
    async with console(intake) as admin:
        form = (await admin.get(f"/incidents/{incident_id}/plan")).text
        assert "disiapkan otomatis" in form
        assert "Kalapas Uji" in form, "the team comes from crisis_team.formed"
        assert "Setiap 4–6 jam" in form, "the cadence of level 3"
        assert "Siapa yang bertanggung jawab?" in form
        assert (await admin.get(f"/incidents/{incident_id}/plan.txt")).status_code == 404
        long_message = " ".join(["kata"] * 30)
        saved = await admin.post(
            f"/incidents/{incident_id}/plan",
            {
                "tujuan": "Menenangkan keluarga.",
                "pesan_1": long_message,
                "skenario": "<b>kerusuhan</b> meluas",
            },
        )
        assert saved.status_code == 303
        again = (await admin.get(f"/incidents/{incident_id}/plan")).text
        assert "Revisi 1" in again
        assert "30 kata" in again
        assert "&lt;b&gt;kerusuhan&lt;/b&gt;" in again
        text = await admin.get(f"/incidents/{incident_id}/plan.txt")
    assert text.status_code == 200
    assert "RENCANA MANAJEMEN KOMUNIKASI KRISIS" in text.text
    assert "Menenangkan keluarga." in text.text
    assert "Disetujui: Kanwil" in text.text
    async with runtime_of(intake).sessions() as session:
        plan = await session.get(CrisisPlan, incident_id)
    assert plan is not None
    assert plan.updated_by == "Administrator"


async def test_an_approved_press_release_exports_with_the_letterhead(intake: httpx.AsyncClient) -> None:
    incident_id = str((await report(intake, "DKI-LAPAS-CIPINANG", RIOT))["incident_id"])
    release = draft_event(
        incident_id, DraftKind.PRESS_RELEASE, "SIARAN PERS\nNomor: [nomor]\nJakarta — Lapas menyampaikan…"
    )
    await apply(intake, classified_event(incident_id, 2), release)
    async with console(intake) as admin:
        early = await admin.get(f"/drafts/{release.draft_id}/docx")
        assert early.status_code == 404, "only an approved text leaves as a document"
        await admin.post(f"/drafts/{release.draft_id}/review", {"decision": "approved", "text": ""})
        answer = await admin.get(f"/drafts/{release.draft_id}/docx")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/vnd.openxmlformats")
    document = Document(io.BytesIO(answer.content))
    lines = [p.text for p in document.paragraphs]
    assert lines[0] == "KEMENTERIAN IMIGRASI DAN PEMASYARAKATAN REPUBLIK INDONESIA"
    assert lines[1] == "DIREKTORAT JENDERAL PEMASYARAKATAN"
    assert lines[2] == "KANTOR WILAYAH DITJENPAS DKI JAKARTA"
    assert lines[3] == "LAPAS KELAS I CIPINANG"
    assert "[Alamat UPT]" in lines[4]
    assert "SIARAN PERS" in lines
    assert document.core_properties.comments == "Disetujui melalui Tanggap oleh Administrator."


async def test_the_library_searches_approved_texts(intake: httpx.AsyncClient) -> None:
    incident_id = str((await report(intake, "DKI-LAPAS-CIPINANG", RIOT))["incident_id"])
    fire = draft_event(incident_id, DraftKind.KEY_MESSAGES, "Kebakaran di dapur sudah dipadamkan.")
    other = draft_event(incident_id, DraftKind.HOLDING_STATEMENT, "Keributan sudah terkendali.")
    await apply(intake, fire, other)
    async with console(intake) as admin:
        for draft in (fire, other):
            await admin.post(f"/drafts/{draft.draft_id}/review", {"decision": "approved", "text": ""})
        found = (await admin.get("/library", params={"q": "kebakaran dapur"})).text
        everything = (await admin.get("/library")).text
        odd = await admin.get("/library", params={"q": "100%_\\"})
    assert "Kebakaran di dapur" in found
    assert "Keributan sudah terkendali" not in found
    assert "Kebakaran di dapur" in everything
    assert "Keributan sudah terkendali" in everything
    assert "bagian penyusun draf" in everything, "the page says where the full library lives"
    assert odd.status_code == 200


async def test_media_monitor_and_team_pages(intake: httpx.AsyncClient) -> None:
    incident_id, _ = await _crisis(intake, level=3)
    async with runtime_of(intake).unit_of_work() as session:
        session.add(
            MediaTally(day=date.today(), unit_code="DKI-LAPAS-CIPINANG", positive=2, negative=5, neutral=1)
        )
    async with console(intake) as admin:
        media = await admin.get("/media", params={"periode": "minggu"})
        team = await admin.get("/team")
    assert media.status_code == 200
    assert "per minggu" in media.text
    assert "Lapas Kelas I Cipinang" in media.text
    assert team.status_code == 200
    assert "Kadivpas Uji" in team.text
    assert "Juru Bicara: belum ada di direktori" in team.text, "the gap names the role in words"
    assert "juru_bicara" not in team.text
    assert "/v1/directory" not in team.text, "no link to the notifier's internal port"
    assert incident_id in team.text


async def test_admin_creates_people_and_api_keys(intake: httpx.AsyncClient) -> None:
    async with console(intake) as admin:
        created = await admin.post(
            "/admin/users",
            {
                "username": "Ani.Kanwil",
                "name": "Ani, Kanwil DKI",
                "role": "kanwil",
                "region_code": "DKI",
                "password": "rahasia-panjang-1",
            },
        )
        assert created.status_code == 303
        short = await admin.post(
            "/admin/users", {"username": "x", "name": "X", "role": "ditjenpas", "password": "pendek"}
        )
        assert short.status_code == 422
        assert "minimal 10 karakter" in short.text
        no_unit = await admin.post(
            "/admin/users",
            {"username": "y", "name": "Y", "role": "humas_upt", "password": "rahasia-panjang-1"},
        )
        assert no_unit.status_code == 422
        assert "kode UPT" in no_unit.text
        key_page = await admin.post(
            "/admin/keys", {"name": "Bot Cipinang", "role": "humas_upt", "unit_code": "DKI-LAPAS-CIPINANG"}
        )
        assert key_page.status_code == 200
        secret = key_page.text.split('id="new-secret">', 1)[1].split("<", 1)[0]
        assert secret.startswith("tgp_")
        listing = (await admin.get("/admin/keys")).text
        assert secret not in listing, "the key is shown once"
    me = await intake.get("/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert me.json() == {
        "kind": "api_key",
        "name": "Bot Cipinang",
        "role": "humas_upt",
        "scope": "unit",
        "unit_code": "DKI-LAPAS-CIPINANG",
        "region_code": None,
    }
    async with console(intake, "ani.kanwil", "rahasia-panjang-1") as ani:
        assert "wilayah DKI" in (await ani.get("/")).text
        assert (await ani.get("/admin/users")).status_code == 403


async def test_reports_filed_in_the_console_count_once(intake: httpx.AsyncClient) -> None:
    async with console(intake) as admin:
        for _ in range(2):
            await admin.post(
                "/reports/new", {"request_key": "same", "unit_code": "DKI-LAPAS-CIPINANG", "text": RIOT}
            )
    async with runtime_of(intake).sessions() as session:
        rows = (await session.scalars(select(Report).where(Report.text == RIOT))).all()
    assert len(rows) == 1
