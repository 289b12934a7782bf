"""The web page in a real browser: Debian's chromium, driven by playwright, against a real
`ictinfra-collector serve` whose store got its inventories over POST /api/v1/inventory and its
accounts from `ictinfra-collector accounts add` (password on stdin).

Screenshots of every page are kept in the test's tmp_path, under `screenshots/` (the path is
printed; with pytest's default basetemp: /tmp/pytest-of-$USER/pytest-N/test_*/screenshots/)."""

from __future__ import annotations

import datetime as dt
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from agent.wire.remote_write import encode_write_request
from tests.collector import ranking_sites as fx
from tests.peers.collector import CollectorProcess, start_collector
from tests.peers.common import collector_command, find_binary, peer_unavailable, subprocess_env
from tests.peers.prometheus import start_prometheus
from tests.web.cases import PASSWORD

pytestmark = pytest.mark.peer
ZONE = dt.timezone(dt.timedelta(hours=7))
ACCOUNTS = {"xa-mot": "RK01", "tinh": "RK"}
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


@pytest.fixture
def collector(tmp_path: Path) -> Iterator[CollectorProcess]:
    """The ranking's hand-summed province (tests/collector/ranking_sites.py) pushed through a
    real collector into a real Prometheus and ranked by the real `rank` command."""
    prometheus = start_prometheus(tmp_path / "prometheus")
    sites = tmp_path / "sites.csv"
    sites.write_text(fx.SITES_CSV, encoding="utf-8")
    running = start_collector(
        tmp_path / "collector", forward=[{"url": prometheus.write_url}], sites=sites,
        prometheus_url=prometheus.url,
    )  # fmt: skip
    try:
        assets = tmp_path / "assets.csv"
        assets.write_text(fx.ASSETS_CSV, encoding="utf-8")
        running.cli("assets", "import", str(assets))
        _push(running, time.time() // 3600 * 3600 - 3600 - fx.STEPS * 300)
        end = time.time() // 3600 * 3600 - 3600
        period = "..".join(
            dt.datetime.fromtimestamp(t, ZONE).isoformat() for t in (end - fx.STEPS * 300, end)
        )
        running.cli("rank", "--period", period, "--format", "json")  # stores the snapshot
        for user, unit in ACCOUNTS.items():
            done = subprocess.run(
                collector_command("accounts", "add", "--config", str(running.config), user, unit),
                input=PASSWORD + "\n", env=subprocess_env(), capture_output=True, text=True,
                timeout=60, check=False,
            )  # fmt: skip
            assert done.returncode == 0, done.stderr
        yield running
    finally:
        running.stop()
        prometheus.close()


def _push(running: CollectorProcess, start: float) -> None:
    tokens = {office.site: running.token(office.site) for office in fx.OFFICES}
    for office in fx.OFFICES:
        token = tokens[office.site]
        answer = running.write(token, encode_write_request(fx.series_of(office, start)))
        assert answer.status_code == 204, answer.text
        answer = httpx.post(
            f"{running.url}/api/v1/inventory", json=fx.inventory_of(office, start + 3600),
            headers={"Authorization": f"Bearer {token}"}, timeout=30,
        )  # fmt: skip
        assert answer.status_code == 200, answer.text


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
    login(page, collector.url, "xa-mot", "sai mật khẩu")
    assert "Sai tên đăng nhập hoặc mật khẩu." in page.locator(".error").inner_text()
    login(page, collector.url, "xa-mot", PASSWORD)
    page.wait_for_url(f"{collector.url}/")
    table = page.locator("table").inner_text()
    assert "Xã Một" in table and "Xã Hai" not in table
    assert "Báo cáo thiết bị gần nhất" in table and "UTC" in table  # its last inventory
    shot("sites")

    with page.expect_navigation():  # read the new page only once it has loaded
        page.click("nav >> text=Thiết bị")
    devices = page.locator("table").inner_text()
    assert "02:c1:00:00:01:03" in devices and "02:c2:" not in page.content()
    shot("devices")
    with page.expect_navigation():  # read the new page only once it has loaded
        page.click("nav >> text=Thiết bị lạc hậu")
    obsolete = page.locator("main").inner_text()
    assert "02:c1:00:00:01:03" in obsolete and "theo sổ tài sản" in obsolete
    shot("obsolete")
    with page.expect_navigation():  # read the new page only once it has loaded
        page.click("nav >> text=Xếp hạng")
    ranking = page.locator("main").inner_text()
    assert "Tỷ lệ CBCCVC được trang bị máy tính" in ranking and "160.0953" in ranking
    assert "Xã Hai" not in ranking and "Tỉnh Thử nghiệm" not in ranking
    page.click("details >> nth=0")  # the evidence of the first indicator, no JavaScript needed
    shot("ranking")

    csv = browser.request.get(f"{collector.url}/export/obsolete.csv")
    assert csv.status == 200 and "RK01" in csv.text() and "RK02" not in csv.text()
    for path in ("/", "/devices", "/obsolete", "/ranking", "/export/ranking.xlsx"):
        for site in ("RK02", "RK"):
            other = browser.request.get(f"{collector.url}{path}?site={site}")
            assert other.status == 403, (path, site)
            assert b"02:c2:" not in other.body()
    answer = page.goto(f"{collector.url}/devices?site=RK02")
    assert answer.status == 403 and "không được xem đơn vị RK02" in page.inner_text("main")
    shot("forbidden")

    page.goto(f"{collector.url}/ranking")
    with page.expect_navigation():  # read the new page only once it has loaded
        page.click("text=English")
    assert page.locator("h1").inner_text() == "Ranking"
    assert "Civil servants equipped with a computer" in page.inner_text("main")
    shot("ranking-en")
    page.click("text=Log out")
    page.wait_for_url(f"{collector.url}/login")
    assert page.goto(f"{collector.url}/devices").url.endswith("/login")

    login(page, collector.url, "tinh", PASSWORD)  # the province sees its communes
    page.goto(f"{collector.url}/ranking?lang=vi")
    ranking = page.locator("main").inner_text()
    assert all(name in ranking for name in ("Tỉnh Thử nghiệm", "Xã Một", "Xã Hai", "Xã Ba"))
    assert "không xếp hạng" in ranking  # Xã Ba: 40 % coverage
    shot("ranking-province")
    assert sorted(p.name for p in shots.iterdir()) == [
        "devices.png", "forbidden.png", "login.png", "obsolete.png", "ranking-en.png",
        "ranking-province.png", "ranking.png", "sites.png",
    ]  # fmt: skip


def login(page: Any, url: str, user: str, password: str) -> None:
    if not page.url.endswith("/login"):
        page.goto(f"{url}/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", password)
    page.click("form.login button[type=submit]")
