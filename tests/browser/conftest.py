"""What the browser tests share: Debian's chromium driven by Playwright, and the real system (NATS and the
four services as processes) with a known admin password.

Needs chromium at /usr/bin/chromium (`make browser` installs it). Without it each test module skips itself
(`skip_without_chromium`), saying so: printed and warned, since the warnings summary shows without -rs, so
a skipped browser test is never silent.
"""

import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

from tanggap_runner.nats import free_port
from tanggap_runner.system import System

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
ADMIN_PASSWORD = "uji-peramban-rahasia-1"


def skip_without_chromium() -> None:
    """Skip the calling test module, saying so, when chromium is absent (call it at module level)."""
    if not CHROMIUM.exists():
        reason = f"browser tests skipped: {CHROMIUM} is absent (install it with `make browser`, as root)"
        print(reason)  # noqa: T201
        warnings.warn(reason, stacklevel=2)
        pytest.skip(reason, allow_module_level=True)


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    """One system per test module, so the modules do not see each other's incidents."""
    with System(
        tmp_path_factory.mktemp("browser"),
        http_port=free_port(),
        broker_url=f"nats://127.0.0.1:{free_port()}",
        env={"TANGGAP_ADMIN_PASSWORD": ADMIN_PASSWORD},
    ) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield launched
        launched.close()
