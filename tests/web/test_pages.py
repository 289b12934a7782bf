"""The web page in-process (Starlette TestClient, SQLite store): login, CSRF, throttling, expiry,
languages, exports, and scoping on every route."""

from __future__ import annotations

import io
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook
from starlette.testclient import TestClient

from collector.app import build_app
from collector.config import CollectorConfig
from collector.ranking.snapshots import RankingSnapshots
from collector.sites_csv import parse_sites_csv
from collector.store import Store, open_store
from collector.web.accounts import Accounts, check_password, hash_password
from collector.wire import inventory as validate_inventory
from tests.web.cases import ACCOUNTS, PASSWORD, SITES, SWITCH, inventory, ranking_result

PAGES = ["/", "/devices", "/obsolete", "/ranking"]
EXPORTS = [
    f"/export/{n}.{k}" for n in ("sites", "devices", "obsolete", "ranking") for k in ("csv", "xlsx")
]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = open_store(f"sqlite:///{tmp_path / 'c.db'}", init=True)
    opened.registry.import_units(parse_sites_csv(SITES.read_text(encoding="utf-8")), SITES.name)
    for site in ("00004", "06655"):
        opened.inventory.record(site, validate_inventory(inventory(site)))
    accounts = Accounts(opened.engine)
    for user, unit in ACCOUNTS.items():
        accounts.add(user, unit, PASSWORD)
    RankingSnapshots(opened.engine).store(ranking_result(), "methodology text", {})
    yield opened
    opened.close()


def _client(store: Store, **web: object) -> TestClient:
    config = CollectorConfig.model_validate(
        {"database_url": str(store.engine.url), "forward": [], "web": web}
    )
    return TestClient(build_app(config, store), follow_redirects=False)


@pytest.fixture
def client(store: Store) -> Iterator[TestClient]:
    with _client(store) as running:
        yield running


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


def login(client: TestClient, user: str, password: str = PASSWORD) -> int:
    form = client.get("/login")
    answer = client.post(
        "/login", data={"csrf": _csrf(form.text), "username": user, "password": password}
    )
    return answer.status_code


def test_password_hashes_are_scrypt_and_salted() -> None:
    one, two = hash_password("một mật khẩu"), hash_password("một mật khẩu")
    assert one.startswith("scrypt$16384$8$1$") and one != two
    assert check_password("một mật khẩu", one) and not check_password("other", one)
    assert not check_password("x", "not a hash")


def test_pages_need_a_login(client: TestClient) -> None:
    for path in PAGES + EXPORTS:
        answer = client.get(path)
        assert (answer.status_code, answer.headers["location"]) == (303, "/login"), path
    page = client.get("/login")
    assert page.status_code == 200 and "Đăng nhập" in page.text
    assert (
        "HttpOnly" in page.headers["set-cookie"] and "SameSite=strict" in page.headers["set-cookie"]
    )


def test_login_needs_the_form_token(client: TestClient) -> None:
    client.get("/login")
    answer = client.post("/login", data={"csrf": "forged", "username": "ba-dinh",
                                         "password": PASSWORD})  # fmt: skip
    assert answer.status_code == 403 and "ictinfra_session" not in client.cookies
    token = _csrf(client.get("/login").text)
    huge = {"csrf": token, "username": "ba-dinh", "password": PASSWORD, "pad": "x" * 100_000}
    assert client.post("/login", data=huge).status_code == 403  # over 4 KiB: not read, refused


def test_a_commune_sees_its_commune_only(client: TestClient) -> None:
    assert login(client, "ba-dinh") == 303
    cookie = client.cookies["ictinfra_session"]
    assert client.get("/").status_code == 200
    devices = client.get("/devices").text
    assert "sw-ba-dinh-&lt;b&gt;core&lt;/b&gt;" in devices and "<b>core</b>" not in devices
    assert SWITCH["06655"] not in devices
    for path in PAGES + EXPORTS:
        for site in ("06655", "22", "01"):
            answer = client.get(path, params={"site": site})
            assert answer.status_code == 403, (path, site)
            assert SWITCH["06655"] not in answer.text and "Hồng Gai" not in answer.text
        mine = client.get(path, params={"site": "00004"})
        assert mine.status_code == 200, (path, mine.text)
        assert b"sw-hong-gai" not in mine.content and "Hồng Gai".encode() not in mine.content
    assert client.get("/", params={"site": "bad code!"}).status_code == 400
    assert client.cookies["ictinfra_session"] == cookie


def test_a_busy_account_gets_429_with_retry_after_as_the_api_does(client: TestClient) -> None:
    assert login(client, "ba-dinh") == 303
    reads = client.app.state.collector.reads  # type: ignore[attr-defined]
    reads.by_reader["00004"] += 1  # as while this unit's last answer is computed
    busy = client.get("/devices")
    assert busy.status_code == 429 and busy.headers["Retry-After"] == "10", busy.text
    reads.by_reader["00004"] -= 1
    assert client.get("/devices").status_code == 200


def test_a_province_sees_its_communes(client: TestClient) -> None:
    assert login(client, "ha-noi") == 303
    page = client.get("/").text
    assert "Phường Ba Đình" in page and "Hồng Gai" not in page
    obsolete = client.get("/obsolete").text
    assert "ENTITY-MIB" in obsolete and "quá niên hạn" in obsolete
    assert client.get("/obsolete", params={"site": "06655"}).status_code == 403
    ranking = client.get("/ranking").text
    assert "Thành phố Hà Nội" in ranking and "Phường Ba Đình" in ranking
    assert "Quảng Ninh" not in ranking
    sheet = load_workbook(io.BytesIO(client.get("/export/ranking.xlsx").content))
    assert sheet.sheetnames[:2] == ["province", "commune"]


def test_exports_are_scoped_csv_and_xlsx(client: TestClient) -> None:
    assert login(client, "ha-noi") == 303
    table = client.get("/export/obsolete.csv").text
    assert table.startswith("\ufefflist,site,device") and "00004" in table
    assert "06655" not in table
    sheet = load_workbook(io.BytesIO(client.get("/export/devices.xlsx").content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("site", "source", "device")
    assert {r[0] for r in rows[1:]} == {"00004"}
    assert SWITCH["00004"] in {r[2] for r in rows[1:]}
    assert client.get("/export/secrets.csv").status_code == 404


def test_english_by_switch_and_cookie(client: TestClient) -> None:
    assert login(client, "ba-dinh") == 303
    assert "Thiết bị lạc hậu" in client.get("/obsolete").text
    assert "Obsolete equipment" in client.get("/obsolete", params={"lang": "en"}).text
    assert "over the 8-year life" in client.get("/obsolete").text  # the cookie keeps it
    ranking = client.get("/ranking", params={"lang": "vi"}).text
    assert "Tỷ lệ CBCCVC được trang bị máy tính" in ranking and "pc-00004" in ranking
    assert "pc-06655" not in ranking and "Hồng Gai" not in ranking


def test_no_ranking_yet(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'empty.db'}", init=True)
    store.registry.import_units(parse_sites_csv(SITES.read_text(encoding="utf-8")), SITES.name)
    Accounts(store.engine).add("ba-dinh", "00004", PASSWORD)
    with _client(store) as client:
        assert login(client, "ba-dinh") == 303
        page = client.get("/ranking")
        assert page.status_code == 200 and "Chưa có xếp hạng" in page.text
        assert client.get("/export/ranking.xlsx").status_code == 404
    store.close()


def test_wrong_passwords_are_throttled(store: Store) -> None:
    with _client(store, login_attempts=3) as client:
        assert [login(client, "ba-dinh", "wrong password") for _ in range(3)] == [401] * 3
        assert login(client, "ba-dinh") == 429  # even the right password, until the window ends
        assert login(client, "no-such-user", "wrong password") == 429  # the same address


def test_logout_needs_the_session_token_and_ends_it(client: TestClient) -> None:
    assert login(client, "ba-dinh") == 303
    cookie = client.cookies["ictinfra_session"]
    assert client.post("/logout", data={"csrf": "forged"}).status_code == 403
    assert client.get("/").status_code == 200
    token = _csrf(client.get("/").text)
    assert client.post("/logout", data={"csrf": token}).status_code == 303
    client.cookies.set("ictinfra_session", cookie)  # a stolen cookie is dead after logout
    assert client.get("/").status_code == 303


def test_sessions_expire(store: Store) -> None:
    with _client(store, session_lifetime=60) as client:
        assert login(client, "ba-dinh") == 303
        assert client.get("/").status_code == 200
        with store.engine.begin() as conn:
            conn.exec_driver_sql("UPDATE web_sessions SET expires_at = ?", (time.time() - 1,))
        assert client.get("/").status_code == 303


def test_both_languages_have_every_word() -> None:
    from collector.web.words import WORDS

    assert set(WORDS["vi"]) == set(WORDS["en"])


def test_accounts_cli_reads_the_password_from_stdin(
    tmp_path: Path,
    store: Store,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from collector.cli import main

    config = tmp_path / "collector.yml"
    config.write_text(f"database_url: '{store.engine.url}'\nforward: []\n", encoding="utf-8")

    def run(*args: str, password: str = PASSWORD) -> int:
        monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
        return main(["accounts", *args[:1], "--config", str(config), *args[1:]])

    assert run("add", "new-officer", "06655") == 0
    assert Accounts(store.engine).verify("new-officer", PASSWORD) is not None
    assert run("add", "short", "06655", password="short") == 2
    assert "10 to 1024 characters" in capsys.readouterr().err
    assert run("add", "x", "99999") == 1
    assert "no unit with code '99999'" in capsys.readouterr().err
    assert run("add", "bad name!", "06655") == 2
    assert run("list") == 0 and "new-officer\t06655" in capsys.readouterr().out
    assert run("remove", "new-officer") == 0
    assert run("remove", "new-officer") == 1
    with store.engine.connect() as conn:
        stored = conn.exec_driver_sql("SELECT password_hash FROM web_accounts").all()
    assert stored and all(PASSWORD not in h and h.startswith("scrypt$") for (h,) in stored)


def test_long_lists_are_cut_on_the_page_not_in_the_exports(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("collector.web.pages.MAX_DEVICE_ROWS", 1)
    assert login(client, "ha-noi") == 303
    assert "Hiển thị 1 trên 2 thiết bị" in client.get("/devices").text
    assert len(client.get("/export/devices.csv").text.splitlines()) == 3  # header + 2


def _kept_answers(client: TestClient) -> float:
    counter = client.app.state.collector.metrics.read_answers  # type: ignore[attr-defined]
    return sum(
        sample.value
        for family in counter.collect()
        for sample in family.samples
        if sample.name.endswith("_total") and sample.labels["result"] == "kept"
    )


def test_new_data_is_on_the_next_page_and_export(
    client: TestClient, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert login(client, "ha-noi") == 303
    pages = [client.get(path).text for path in ("/devices", "/obsolete")]
    exports = [client.get(f"/export/{name}.csv").text for name in ("devices", "obsolete")]
    kept = _kept_answers(client)
    assert [client.get(path).text for path in ("/devices", "/obsolete")] == pages
    assert _kept_answers(client) >= kept + 2  # both answered from what was kept
    assert "sw-kho" not in "".join(pages + exports)
    document = inventory("00004")
    document["devices"][0] = {**document["devices"][0], "device": "sw-kho"}
    store.inventory.record("00004", validate_inventory(document))
    assert all("sw-kho" in client.get(path).text for path in ("/devices", "/obsolete"))
    assert all("sw-kho" in client.get(f"/export/{n}.csv").text for n in ("devices", "obsolete"))
    monkeypatch.setattr("collector.web.pages.MAX_DEVICE_ROWS", 1)  # two obsolete switches now
    assert "Hiển thị 1 trên 2 thiết bị" in client.get("/obsolete").text
    ranking = client.get("/ranking").text
    result = ranking_result()
    result["units"][0]["name"] = "Hà Nội, xếp hạng mới"
    RankingSnapshots(store.engine).store(result, "methodology text", {})
    assert ranking != client.get("/ranking").text
    assert "Hà Nội, xếp hạng mới" in client.get("/ranking").text


def test_ranking_evidence_has_a_page_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    from collector.ranking.snapshots import Snapshot
    from collector.web import ranking

    monkeypatch.setattr(ranking, "MAX_EVIDENCE_PAGE", 250)
    result = ranking_result()
    for unit in result["units"]:
        unit["indicators"]["computers_per_staff"]["evidence"] = [{"device": "pc"}] * 4000
    shown = ranking.view(Snapshot(1, "2026-11", 0.0, "", "", result), "vi")
    items = [
        i for units in shown["levels"].values() for u in units for i in u["indicators"]
    ]  # fmt: skip
    assert [len(i["evidence"]) for i in items] == [100, 100, 50, 0]  # by level, then unit
    assert all(i["evidence_count"] == 4000 for i in items)


def test_cookies_are_secure_over_tls_and_pages_forbid_scripts(store: Store) -> None:
    with _client(store) as plain:
        assert "Secure" not in plain.get("/login").headers["set-cookie"]
    config = CollectorConfig.model_validate(
        {"database_url": str(store.engine.url), "forward": [], "tls_cert_file": "c.pem",
         "tls_key_file": "k.pem"}
    )  # fmt: skip
    app = build_app(config, store)
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        page = client.get("/login")
        assert "Secure" in page.headers["set-cookie"]
        assert "default-src 'none'" in page.headers["content-security-policy"]
        assert page.headers["cache-control"] == "no-store"
        assert login(client, "ba-dinh") == 303
        session_cookie = [
            c for c in client.cookies.jar if c.name == "ictinfra_session"
        ]  # fmt: skip
        assert session_cookie and session_cookie[0].secure


def test_last_contact_counts_the_sites_own_pushes_only(store: Store, client: TestClient) -> None:
    from collector.readers import issue_reader_token

    reader = issue_reader_token(store, "00004")
    headers = {"Authorization": f"Bearer {reader}"}
    assert client.get("/api/v1/devices", headers=headers).status_code == 200
    assert login(client, "ba-dinh") == 303
    [row] = re.findall(r"<tr><td><a[^>]*>00004</a>.*?</tr>", client.get("/").text, re.S)
    assert row.count("UTC") == 1 and "chưa có" in row  # the inventory; no push yet
    site_token = store.registry.issue_token("00004")
    assert store.registry.authenticate(site_token) is not None  # marks the token used
    [row] = re.findall(r"<tr><td><a[^>]*>00004</a>.*?</tr>", client.get("/").text, re.S)
    assert row.count("UTC") == 2
