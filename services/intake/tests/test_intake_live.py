"""The live pages over real HTTP (issue 16): GET /live/dashboard and /live/incidents/<id> answer 204 while
nothing changed and the page's changing part once something did; they keep the access rules of their
pages. Also the words and times those parts show: no codes, the unit's own zone, one line per wave of
notifications."""

import re
import uuid

import httpx

from tanggap_intake.access import UserRole
from tanggap_shared.contracts import Role

from .conftest import (
    add_user,
    apply,
    classified_event,
    console,
    draft_event,
    notification_sent,
    report,
    team_event,
)

RIOT = "Terjadi keributan antarwarga binaan di blok hunian; situasi sudah terkendali."
VERSION = re.compile(r'data-live-version="([0-9a-f]+)"')


def version_of(page: httpx.Response) -> str:
    found = VERSION.search(page.text)
    assert found, page.text[:500]
    return found.group(1)


async def test_live_parts_need_a_login_and_say_so_to_the_script(intake: httpx.AsyncClient) -> None:
    incident_id = str((await report(intake, "DKI-LAPAS-CIPINANG", RIOT))["incident_id"])
    for path in ("/live/dashboard", f"/live/incidents/{incident_id}", f"/live/incidents/{uuid.uuid4()}"):
        answer = await intake.get(path)
        # 401, not the login page: a script cannot show a redirect, and nothing of the incident leaks.
        assert answer.status_code == 401, path
        assert incident_id not in answer.text
        assert "masuk kembali" in answer.text


async def test_an_incident_live_part_keeps_the_scope_of_its_page(intake: httpx.AsyncClient) -> None:
    incident_id = str((await report(intake, "DKI-LAPAS-CIPINANG", RIOT))["incident_id"])
    await add_user(intake, "humas_bali", UserRole.HUMAS_UPT, unit="BALI-LAPAS-KEROBOKAN")
    await add_user(intake, "kanwil_bali", UserRole.KANWIL, region="BALI")
    await add_user(intake, "kanwil_dki", UserRole.KANWIL, region="DKI")
    await add_user(intake, "humas_cipinang", UserRole.HUMAS_UPT, unit="DKI-LAPAS-CIPINANG")
    for username, sees in [
        ("humas_bali", False),
        ("kanwil_bali", False),
        ("kanwil_dki", True),
        ("humas_cipinang", True),
        ("admin", True),
    ]:
        async with console(intake, username) as person:
            page = await person.get(f"/incidents/{incident_id}")
            live = await person.get(f"/live/incidents/{incident_id}")
            dashboard = await person.get("/live/dashboard")
        assert page.status_code == (200 if sees else 404), username
        assert live.status_code == page.status_code, username
        assert (RIOT[:30] in live.text) is sees, username
        assert dashboard.status_code == 200, username
        assert (incident_id in dashboard.text) is sees, username


async def test_the_incident_part_changes_only_when_the_incident_does(intake: httpx.AsyncClient) -> None:
    incident_id = str((await report(intake, "DKI-LAPAS-CIPINANG", RIOT))["incident_id"])
    other_id = str(
        (await report(intake, "BALI-LAPAS-KEROBOKAN", "Kebakaran kecil di dapur Lapas."))["incident_id"]
    )
    async with console(intake) as admin:
        page = await admin.get(f"/incidents/{incident_id}")
        assert "Menunggu klasifikasi otomatis" in page.text
        assert "muat ulang" not in page.text.lower()
        version = version_of(page)
        assert (await admin.get(f"/live/incidents/{incident_id}", params={"v": version})).status_code == 204

        await apply(intake, classified_event(other_id, 2, code="BALI-LAPAS-KEROBOKAN"))
        unchanged = await admin.get(f"/live/incidents/{incident_id}", params={"v": version})
        assert unchanged.status_code == 204, "another incident's event is not this page's"

        await apply(intake, classified_event(incident_id, 3), team_event(incident_id, 3))
        changed = await admin.get(f"/live/incidents/{incident_id}", params={"v": version})
        assert changed.status_code == 200
        fresh = changed.headers["x-live-version"]
        assert fresh != version
        assert "Level 3" in changed.text
        assert "Kerusuhan di dalam UPT" in changed.text
        assert "<html" not in changed.text, "a part of the page, not a page"
        assert 'id="s-level"' in changed.text
        again = await admin.get(f"/live/incidents/{incident_id}", params={"v": fresh})
        assert again.status_code == 204

        await apply(intake, draft_event(incident_id))
        drafted = await admin.get(f"/live/incidents/{incident_id}", params={"v": fresh})
        assert drafted.status_code == 200
        assert 'data-kind="holding_statement"' in drafted.text


async def test_the_dashboard_part_shows_a_new_incident(intake: httpx.AsyncClient) -> None:
    async with console(intake) as admin:
        page = await admin.get("/")
        version = version_of(page)
        assert (await admin.get("/live/dashboard", params={"v": version})).status_code == 204
        incident_id = str((await report(intake, "DKI-LAPAS-CIPINANG", RIOT))["incident_id"])
        changed = await admin.get("/live/dashboard", params={"v": version})
        assert changed.status_code == 200
        assert f'id="insiden-{incident_id}"' in changed.text
        fresh = changed.headers["x-live-version"]
        await apply(intake, classified_event(incident_id, 3))
        crisis = await admin.get("/live/dashboard", params={"v": fresh})
        assert crisis.status_code == 200
        assert re.search(rf'id="insiden-{incident_id}"[^>]*data-crisis="yes"', crisis.text)


async def test_times_are_in_the_units_zone_and_notifications_fold_per_wave(intake: httpx.AsyncClient) -> None:
    incident_id = str(
        (await report(intake, "BALI-LAPAS-KEROBOKAN", RIOT, impact={"escapees": 2}))["incident_id"]
    )
    classified = classified_event(incident_id, 3, code="BALI-LAPAS-KEROBOKAN")
    wave = [
        notification_sent(incident_id, "Kalapas Uji"),
        notification_sent(incident_id, "Humas Uji", Role.KOORDINATOR_HUMAS),
        notification_sent(incident_id, "Jubir Uji", Role.JURU_BICARA),
    ]
    one_trigger = wave[0].trigger_event_id
    wave = [n.model_copy(update={"trigger_event_id": one_trigger}) for n in wave]
    await apply(intake, classified, *wave)
    async with console(intake) as admin:
        page = await admin.get(f"/incidents/{incident_id}")
    text = page.text
    assert re.search(r"\d\d-\d\d-\d{4} \d\d:\d\d WITA", text), "Bali is WITA"
    assert " WIB" not in text
    assert "Notifikasi untuk klasifikasi terkirim ke 3 orang (Ketua, Koordinator Humas, Juru Bicara)" in text
    timeline = text[text.index('id="linimasa"') :]
    assert timeline.count("Notifikasi") == 1, "one line for the wave"
    assert timeline.index("Laporan diterima") < timeline.index("Diklasifikasikan Level 3 (gangguan kamtib")
    for leak in ("tanggap-file", "koordinator_humas", "juru_bicara", "(unrest)", "escapees", "impact."):
        assert leak not in text, leak
    assert "Melarikan diri: 2" in text


async def test_the_triage_queue_fills_and_empties_live(intake: httpx.AsyncClient) -> None:
    incident_id = str((await report(intake, "DKI-LAPAS-CIPINANG", "Ada kabar napi kabur."))["incident_id"])
    unsure = classified_event(incident_id, 2).model_copy(
        update={"needs_review": True, "crisis": False, "review_reasons": ["Jumlah yang kabur belum jelas"]}
    )
    async with console(intake) as admin:
        version = version_of(await admin.get("/"))
        await apply(intake, unsure)
        queued = await admin.get("/live/dashboard", params={"v": version})
        assert queued.status_code == 200
        assert f'id="tinjau-{incident_id}"' in queued.text
        assert "Jumlah yang kabur belum jelas" in queued.text
        fresh = queued.headers["x-live-version"]
        decided = await admin.post(
            f"/incidents/{incident_id}/triage", {"decision": "crisis", "back": "dashboard"}
        )
        assert decided.status_code == 303
        emptied = await admin.get("/live/dashboard", params={"v": fresh})
        assert emptied.status_code == 200
        assert f'id="tinjau-{incident_id}"' not in emptied.text
