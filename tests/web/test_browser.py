"""The web page in a real browser: Debian's chromium, driven by playwright, against a real
`ictinfra-collector serve` whose store got its inventories over POST /api/v1/inventory and its
accounts from `ictinfra-collector accounts add` (password on stdin).

Screenshots of every page are kept in the test's tmp_path, under `screenshots/` (the path is
printed; with pytest's default basetemp: /tmp/pytest-of-$USER/pytest-N/test_*/screenshots/)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.peers.collector import CollectorProcess, start_collector
from tests.peers.common import collector_command, find_binary, peer_unavailable, subprocess_env
from tests.web.cases import PASSWORD, SITES, SWITCH, inventory

pytestmark = pytest.mark.peer
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


@pytest.fixture
def collector(tmp_path: Path) -> Iterator[CollectorProcess]:
    running = start_collector(tmp_path / "collector", forward=[], sites=SITES)
    try:
        for site in ("00004", "06655"):
            answer = httpx.post(
                f"{running.url}/api/v1/inventory", json=inventory(site), timeout=30,
                headers={"Authorization": f"Bearer {running.token(site)}"},
            )  # fmt: skip
            assert answer.status_code == 200, answer.text
        for user, unit in (("ba-dinh", "00004"), ("hong-gai", "06655")):
            done = subprocess.run(
                collector_command("accounts", "add", "--config", str(running.config), user, unit),
                input=PASSWORD + "\n", env=subprocess_env(), capture_output=True, text=True,
                timeout=60, check=False,
            )  # fmt: skip
            assert done.returncode == 0, done.stderr
        yield running
    finally:
        running.stop()


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    chromium = find_binary("chromium")
    if chromium is None:
        peer_unavailable("chromium is not installed (deploy/setup.sh)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        peer_unavailable("playwright is not installed (pip install -e '.[dev]')")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"), executable_path=chromium, args=CHROMIUM_ARGS,
            headless=True, locale="vi-VN",
        )  # fmt: skip
        try:
            yield context
        finally:
            context.close()


def test_a_commune_officer_uses_the_page(
    tmp_path: Path, collector: CollectorProcess, browser: Any
) -> None:
    shots = tmp_path / "screenshots"
    print(f"screenshots in {shots}")
    page = browser.new_page()

    def shot(name: str) -> None:
        page.screenshot(path=str(shots / f"{name}.png"), full_page=True)

    assert page.goto(f"{collector.url}/").url.endswith("/login")  # not logged in: the login
    assert page.locator("h1").inner_text() == "Đăng nhập"
    shot("login")
    page.fill("input[name=username]", "ba-dinh")
    page.fill("input[name=password]", "sai mật khẩu")
    page.click("button[type=submit]")
    assert "Sai tên đăng nhập hoặc mật khẩu." in page.locator(".error").inner_text()
    page.fill("input[name=username]", "ba-dinh")
    page.fill("input[name=password]", PASSWORD)
    page.click("form.login button[type=submit]")
    page.wait_for_url(f"{collector.url}/")
    table = page.locator("table").inner_text()
    assert "Phường Ba Đình" in table and "Hồng Gai" not in table
    assert "Báo cáo thiết bị gần nhất" in table and "UTC" in table  # its last inventory
    shot("sites")

    page.click("nav >> text=Thiết bị")
    assert SWITCH["00004"] in page.locator("table").inner_text()  # the markup shown as text
    assert page.locator("table b").count() == 0 and SWITCH["06655"] not in page.content()
    shot("devices")
    page.click("nav >> text=Thiết bị lạc hậu")
    obsolete = page.locator("main").inner_text()
    assert "quá niên hạn 8 năm" in obsolete and "ENTITY-MIB" in obsolete
    shot("obsolete")
    page.click("nav >> text=Xếp hạng")
    assert "Chưa có xếp hạng" in page.locator("#no-ranking").inner_text()
    shot("ranking")

    csv = browser.request.get(f"{collector.url}/export/obsolete.csv")
    assert csv.status == 200 and "00004" in csv.text() and "06655" not in csv.text()
    for path in ("/", "/devices", "/obsolete", "/ranking", "/export/devices.xlsx"):
        other = browser.request.get(f"{collector.url}{path}?site=06655")
        assert other.status == 403, path
        assert b"sw-hong-gai" not in other.body()
    answer = page.goto(f"{collector.url}/devices?site=06655")
    assert answer.status == 403 and "không được xem đơn vị 06655" in page.inner_text("main")
    shot("forbidden")

    page.goto(f"{collector.url}/obsolete")
    page.click("text=English")
    assert page.locator("h1").inner_text() == "Obsolete equipment"
    assert "over the 8-year life of a switch" in page.inner_text("main")
    shot("obsolete-en")
    page.click("text=Log out")
    page.wait_for_url(f"{collector.url}/login")
    assert page.goto(f"{collector.url}/devices").url.endswith("/login")
    assert sorted(p.name for p in shots.iterdir()) == [
        "devices.png", "forbidden.png", "login.png", "obsolete-en.png", "obsolete.png",
        "ranking.png", "sites.png",
    ]  # fmt: skip
