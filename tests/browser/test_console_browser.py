"""The console in a real browser (headless Chromium driven by Playwright) against the real system: NATS
and the four services as processes. A Humas officer logs in on a phone-sized screen, files a report through
the form, sees it classified, edits and approves the holding statement and sees the approval on the
timeline. Every page is saved as a screenshot under artifacts/screenshots/.

Needs Debian's chromium at /usr/bin/chromium (`make browser` installs it); the test is skipped, saying so,
only when it is absent.
"""

import re
import time

import pytest
from playwright.sync_api import Browser, Dialog, Page, ViewportSize, expect

from tanggap_runner.system import System

from .conftest import ADMIN_PASSWORD, SCREENSHOTS, skip_without_chromium

pytestmark = pytest.mark.e2e
skip_without_chromium()

HOSTILE = "<script>alert('xss')</script><img src=x onerror=alert(1)>"
REPORT_TEXT = (
    "Terjadi kerusuhan di blok hunian Lapas Cipinang pada Minggu malam. Seorang warga binaan tewas "
    f"dan dua petugas luka-luka. Video kericuhan beredar di media sosial. {HOSTILE}"
)
ADDED = " Informasi berikutnya akan kami sampaikan melalui kanal resmi Lapas."


PHONE: ViewportSize = {"width": 412, "height": 915}


def shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def wait_on_page(page: Page, selector: str, seconds: float) -> None:
    """Reload until the server-rendered page shows `selector` (the read model fills in as events arrive)."""
    deadline = time.monotonic() + seconds
    while page.locator(selector).count() == 0:
        if time.monotonic() > deadline:
            raise AssertionError(f"{selector} did not appear within {seconds} s on {page.url}")
        time.sleep(0.5)
        page.reload()


def test_officer_files_a_report_and_approves_the_holding_statement(system: System, browser: Browser) -> None:
    base = system.base_url
    context = browser.new_context(viewport=PHONE, base_url=base, locale="id-ID")
    page = context.new_page()
    alerts: list[str] = []

    def on_dialog(dialog: Dialog) -> None:
        if dialog.type == "alert":  # only report text could raise one: it must never run
            alerts.append(dialog.message)
        dialog.accept()  # the console's own confirmations before a decision

    page.on("dialog", on_dialog)

    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login\?next=/$"))
    shot(page, "01-login")
    page.fill("#username", "admin")
    page.fill("#password", "salah-sekali-123")
    page.click("button[type=submit]")
    expect(page.locator(".error")).to_contain_text("kata sandi salah")
    page.fill("#username", "admin")
    page.fill("#password", ADMIN_PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_contain_text("Insiden terbuka")
    shot(page, "02-dashboard-empty")

    page.click("text=Laporan baru")
    page.select_option("#unit_code", "DKI-LAPAS-CIPINANG")
    page.select_option("#source", "internal")
    page.fill("#text", REPORT_TEXT)
    page.fill("#fact_what", "kerusuhan di blok hunian")
    page.check("input[name=verified_what]")
    page.fill("#fact_where", "blok hunian Lapas Cipinang")
    page.check("input[name=verified_where]")
    page.fill("#deaths", "1")
    page.fill("#injuries", "2")
    page.select_option("#video_exists", "ya")
    page.check("input[value=keluarga]")
    shot(page, "03-report-form")
    page.click("text=Kirim laporan")
    expect(page).to_have_url(re.compile(r"/incidents/[0-9a-f-]{36}$"))
    incident_url = page.url
    expect(page.locator(".flash")).to_contain_text("Laporan diterima")

    # Hostile report text is shown as text, never run.
    report_text = page.locator(".report-text").first
    expect(report_text).to_contain_text("<script>alert('xss')</script>")
    assert "<script>alert('xss')" not in page.content()

    wait_on_page(page, "#level-card .level", seconds=30)
    expect(page.locator("#level-card .level")).to_contain_text(re.compile(r"Level [34]"))
    wait_on_page(page, '[data-kind="holding_statement"][data-status="proposed"] textarea', seconds=30)
    shot(page, "04-incident-classified")

    draft = page.locator('[data-kind="holding_statement"]')
    textarea = draft.locator("textarea")
    text = textarea.input_value()
    for excerpt in draft.locator(".finding.blocking .muted").all_inner_texts():
        text = text.replace(excerpt.strip("“”"), "")
    textarea.fill(text.strip() + ADDED)
    # Every edit is checked by the drafter before it can be approved (issue 13): save, and the findings of
    # the edit appear beside it once the check is in (the page refreshes that part by itself).
    draft.locator("button", has_text="Simpan suntingan").click()
    expect(page.locator(".flash")).to_contain_text("Suntingan disimpan")
    wait_on_page(page, '[data-kind="holding_statement"] .draft-check[data-state="checked"]', seconds=30)
    page.locator('[data-kind="holding_statement"]').locator("button[value=approved]").click()
    expect(page.locator(".flash")).to_contain_text("Draf disetujui")
    approved = page.locator('[data-kind="holding_statement"]')
    expect(approved).to_have_attribute("data-status", "approved")
    expect(approved.locator(".draft-text")).to_contain_text(ADDED.strip())
    expect(page.locator("table.timeline")).to_contain_text(
        "pernyataan awal (holding statement) disetujui oleh Administrator"
    )
    shot(page, "05-incident-approved")
    assert alerts == [], f"report text ran as script: {alerts}"

    page.goto(incident_url + "/plan")
    expect(page.locator("h1")).to_contain_text("Rencana komunikasi krisis")
    shot(page, "06-plan")
    page.click("text=Simpan rencana")
    expect(page.locator(".flash")).to_contain_text("Rencana disimpan")

    page.goto("/")
    expect(page.locator(".incident-card")).to_have_count(1)
    expect(page.locator(".incident-card .clock.done").first).to_be_visible()
    shot(page, "07-dashboard")
    for path, name, heading in [
        ("/team", "08-team", "Tim krisis"),
        ("/media", "09-media", "Monitor media"),
        ("/library", "10-library", "Pustaka"),
        ("/admin/users", "11-admin-users", "Pengguna"),
        ("/admin/keys", "12-admin-keys", "Kunci API"),
        ("/account", "13-account", "Akun saya"),
        ("/incidents/00000000-0000-0000-0000-000000000000", "14-not-found", "Tidak ditemukan"),
    ]:
        page.goto(path)
        expect(page.locator("h1")).to_contain_text(heading)
        shot(page, name)
    expect(page.locator("body")).not_to_contain_text("Traceback")

    page.locator("header form button").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    page.goto(incident_url)
    expect(page).to_have_url(re.compile(r"/login\?next="))
    assert alerts == []
    context.close()
