"""The read API's kept answers (collector/readcache.py) and pages (collector/paging.py), against
a real `ictinfra-collector serve` on each store: new data is in the next answer, a kept answer is
the one a fresh computation gives, pages are bounded and a bad page parameter is a 400."""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import anyio
import httpx
import pytest

from collector.config import CollectorConfig
from collector.ingest import Rejection
from collector.metrics import Metrics
from collector.obsolete.service import book_for, obsolete_report
from collector.paging import MAX_PAGE, MAX_WHOLE, page_of
from collector.ranking.snapshots import RankingSnapshots
from collector.readcache import ReadCache
from collector.store import Store, open_store
from collector.wire import inventory as validate_inventory
from tests.collector.conftest import load_sites
from tests.peers.collector import CollectorProcess, start_collector
from tests.web.cases import SITES, inventory, ranking_result

OLD_SWITCH = "sw-ba-dinh-kho-2008"


@dataclass
class Running:
    collector: CollectorProcess
    database_url: str
    readers: dict[str, dict[str, str]]  # unit -> headers
    sites: dict[str, str]  # site -> token

    @property
    def url(self) -> str:
        return self.collector.url


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.peer)]
)
def running(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Running]:
    """One collector per store for the module: the tests look at differences, not totals."""
    root = tmp_path_factory.mktemp(request.param)
    url = f"sqlite:///{root / 'collector.db'}"
    if request.param == "postgresql":
        url = request.getfixturevalue("postgres").database_url()
    collector = start_collector(root, forward=[], sites=SITES, database_url=url)
    try:
        readers = {unit: _reader(collector, unit) for unit in ("01", "22")}
        tokens = {site: collector.token(site) for site in ("00004", "06655")}
        yield Running(collector, url, readers, tokens)
    finally:
        collector.stop()


def _reader(collector: CollectorProcess, unit: str) -> dict[str, str]:
    token = collector.cli("readers", "token", unit).strip().splitlines()[-1]
    return {"Authorization": f"Bearer {token}"}


def _send_inventory(running: Running, site: str, document: dict[str, Any]) -> None:
    token = running.sites[site]
    answer = httpx.post(
        f"{running.url}/api/v1/inventory", content=json.dumps(document),
        headers={"Authorization": f"Bearer {token}"}, timeout=60,
    )  # fmt: skip
    assert answer.status_code == 200, answer.text


def _with_old_switch(site: str, name: str = OLD_SWITCH) -> dict[str, Any]:
    document = inventory(site)
    switch = copy.deepcopy(document["devices"][0])
    switch["device"], switch["address"] = name, "192.0.2.11"
    switch["entities"][0].update(serial=f"SN-{name}", mfg_date="2008-01-01")
    document["devices"].append(switch)
    return document


class Answers:
    """ictinfra_collector_read_answers_total of `kind` since this was made, by result."""

    def __init__(self, running: Running, kind: str) -> None:
        self.running, self.kind = running, kind
        self.start = self.now()

    def now(self) -> dict[str, float]:
        text = httpx.get(f"{self.running.url}/metrics", timeout=30).text
        pattern = (
            rf'ictinfra_collector_read_answers_total\{{kind="{self.kind}",result="(\w+)"\}} (\S+)'
        )
        found = {result: float(value) for result, value in re.findall(pattern, text)}
        return {result: found.get(result, 0.0) for result in ("computed", "kept")}

    def since(self) -> dict[str, float]:
        return {k: v - self.start[k] for k, v in self.now().items()}


def _get(running: Running, path: str, headers: dict[str, str], **params: str) -> Any:
    answer = httpx.get(f"{running.url}{path}", params=params, headers=headers, timeout=60)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_a_new_inventory_is_in_the_next_answer(running: Running) -> None:
    reader = running.readers["01"]
    _send_inventory(running, "00004", inventory("00004"))
    answers = Answers(running, "obsolete")
    first = _get(running, "/api/v1/obsolete", reader)
    assert _get(running, "/api/v1/obsolete", reader) == first
    assert answers.since() == {"computed": 1.0, "kept": 1.0}
    assert OLD_SWITCH not in json.dumps(first)
    devices = _get(running, "/api/v1/devices", reader)

    _send_inventory(running, "00004", _with_old_switch("00004"))
    after = _get(running, "/api/v1/obsolete", reader)
    assert OLD_SWITCH in [d["device"] for d in after["devices"]]
    assert answers.since() == {"computed": 2.0, "kept": 1.0}
    listed = _get(running, "/api/v1/devices", reader)["devices"]
    assert OLD_SWITCH in [d["device"] for d in listed]
    assert len(listed) == len(devices["devices"]) + 1


def test_a_kept_answer_is_what_a_fresh_computation_gives(running: Running) -> None:
    reader = running.readers["01"]
    _send_inventory(running, "00004", _with_old_switch("00004"))
    answers = Answers(running, "obsolete")
    _get(running, "/api/v1/obsolete", reader, lang="en")
    kept = _get(running, "/api/v1/obsolete", reader, lang="en")
    assert answers.since() == {"computed": 1.0, "kept": 1.0}
    store = open_store(running.database_url)
    try:
        settings = {"database_url": running.database_url, "forward": []}
        book = book_for(CollectorConfig.model_validate(settings).obsolete, store)
        fresh = obsolete_report(
            store, book, at=dt.date.today(), sites=store.registry.descendants("01"), lang="en"
        )
    finally:
        store.close()
    assert {key: kept[key] for key in fresh} == json.loads(json.dumps(fresh))


def test_a_new_ranking_is_in_the_next_answer(running: Running) -> None:
    reader = running.readers["01"]
    answers = Answers(running, "indicators")
    store = open_store(running.database_url)
    try:
        snapshots = RankingSnapshots(store.engine)
        one = snapshots.store(ranking_result(), "methodology text", {})
        first = _get(running, "/api/v1/indicators", reader, period="2026-11")
        assert _get(running, "/api/v1/indicators", reader, period="2026-11") == first
        assert first["snapshot"]["id"] == one.id
        assert [u["code"] for u in first["units"]] == ["01", "00004"]  # the reader's scope
        result = ranking_result()
        result["units"][0]["total"] = 55.5
        two = snapshots.store(result, "methodology text", {})
    finally:
        store.close()
    after = _get(running, "/api/v1/indicators", reader, period="2026-11")
    assert after["snapshot"]["id"] == two.id and after["units"][0]["total"] == 55.5
    assert answers.since() == {"computed": 2.0, "kept": 1.0}


BAD_PAGES = [
    ({"limit": "0"}, "limit"), ({"limit": str(MAX_PAGE + 1)}, "limit"), ({"limit": "ten"}, "limit"),
    ({"offset": "-1"}, "offset"), ({"offset": "1e3"}, "offset"), ({"offset": "9" * 40}, "offset"),
    ({"limit": "²"}, "limit"), ({"version": "latest"}, "version"),
    ({"version": "A" * 16}, "version"),
]  # fmt: skip


def test_pages_are_bounded_and_a_bad_page_is_refused(running: Running) -> None:
    reader = running.readers["22"]
    _send_inventory(running, "06655", _with_old_switch("06655"))
    paths = [("/api/v1/obsolete", {}), ("/api/v1/devices", {})]
    for path, extra in [*paths, ("/api/v1/indicators", {"period": "2026"})]:
        for params, name in BAD_PAGES:
            answer = httpx.get(f"{running.url}{path}", params={**extra, **params},
                               headers=reader, timeout=30)  # fmt: skip
            assert answer.status_code == 400, (path, params, answer.text)
            assert answer.text.startswith(f"{name} must be "), answer.text
    whole = _get(running, "/api/v1/devices", reader)
    version = whole["page"].pop("version")
    assert whole["page"] == {"offset": 0, "limit": None, "next_offset": None,
                             "totals": {"devices": len(whole["devices"])}}  # fmt: skip
    pages, offset = [], 0
    while offset is not None:
        page = _get(running, "/api/v1/devices", reader, limit="1", offset=str(offset))
        assert len(page["devices"]) == 1 and page["page"]["version"] == version
        pages += page["devices"]
        offset = page["page"]["next_offset"]
    assert pages == whole["devices"] and len(pages) == 3
    obsolete = _get(running, "/api/v1/obsolete", reader, limit="1")
    assert len(obsolete["devices"]) == 1 and obsolete["page"]["next_offset"] == 1
    assert obsolete["page"]["totals"]["devices"] == obsolete["counts"]["obsolete"] == 2


def test_a_whole_list_past_the_bound_is_refused_not_cut() -> None:
    """No page asked for: the whole list up to MAX_WHOLE, then 413 (a job reading only the
    first items of a longer list would not know it missed the rest)."""
    whole = page_of({})
    whole.check(MAX_WHOLE, 3)
    assert whole.cut(list(range(MAX_WHOLE))) == list(range(MAX_WHOLE))
    with pytest.raises(Rejection) as refused:
        whole.check(3, MAX_WHOLE + 1)
    assert refused.value.status == 413 and "ask for pages (?limit=1..1000)" in str(refused.value)
    paged = page_of({"offset": "2"})
    paged.check(MAX_WHOLE * 10)
    assert paged.limit == MAX_PAGE and paged.cut(list(range(5))) == [2, 3, 4]


def test_the_next_pages_of_a_version_are_cut_from_its_answer(running: Running) -> None:
    reader = running.readers["22"]
    _send_inventory(running, "06655", inventory("06655"))
    first = _get(running, "/api/v1/devices", reader, limit="1")
    version = first["page"]["version"]
    # a device never seen before: one more in the list, a new version
    _send_inventory(running, "06655", _with_old_switch("06655", "sw-hong-gai-moi"))
    answers = Answers(running, "devices")
    same = _get(running, "/api/v1/devices", reader, offset="1", version=version)
    assert same["page"]["version"] == version
    assert same["page"]["totals"] == first["page"]["totals"]
    assert answers.since() == {"computed": 0.0, "kept": 1.0}
    current = _get(running, "/api/v1/devices", reader, offset="1")
    assert current["page"]["version"] != version
    assert current["page"]["totals"]["devices"] > first["page"]["totals"]["devices"]
    gone = _get(running, "/api/v1/devices", reader, version="0" * 16)  # never kept: current
    assert gone["page"]["version"] == current["page"]["version"]


# --- the cache's bounds, in-process with a real store (conftest's, on each backend) --------


async def _until(done: Callable[[], bool]) -> None:
    with anyio.fail_after(60):
        while not done():
            await anyio.sleep(0.01)


def test_identical_requests_share_one_computation(store: Store) -> None:
    cache, release, calls = ReadCache(store, Metrics().read_answers), threading.Event(), []

    def compute() -> list[int]:
        calls.append(1)
        release.wait(30)
        return [1, 2, 3]

    async def main() -> list[list[int]]:
        found: list[list[int]] = []

        async def ask() -> None:
            found.append((await cache.get(("k",), compute, reader="01"))[0])

        async with anyio.create_task_group() as group:
            for _ in range(5):
                group.start_soon(ask)
            await _until(lambda: bool(cache.pending))
            await anyio.wait_all_tasks_blocked()
            release.set()
        return found

    assert anyio.run(main) == [[1, 2, 3]] * 5
    assert len(calls) == 1


def test_computations_at_once_are_bounded_per_reader_and_in_all(store: Store) -> None:
    cache, release = ReadCache(store, Metrics().read_answers, computes=2), threading.Event()

    def slow() -> str:
        release.wait(30)
        return "done"

    async def refused(key: str, reader: str) -> Rejection:
        with pytest.raises(Rejection) as caught:
            await cache.get((key,), slow, reader=reader)
        return caught.value

    async def main() -> list[Rejection]:
        async with anyio.create_task_group() as group:
            group.start_soon(lambda: cache.get(("a",), slow, reader="01"))
            await _until(lambda: "01" in cache.by_reader)
            same_reader = await refused("b", "01")
            group.start_soon(lambda: cache.get(("c",), slow, reader="22"))
            await _until(lambda: "22" in cache.by_reader)
            third = await refused("d", "00004")
            release.set()
        return [same_reader, third]

    for rejection in anyio.run(main):
        assert rejection.status == 429 and rejection.headers["Retry-After"]


def test_kept_answers_stay_under_their_weight(store: Store) -> None:
    cache = ReadCache(store, Metrics().read_answers, max_weight=10)

    async def main() -> None:
        for key in ("a", "b", "c"):
            await cache.get((key,), lambda: [0] * 4, reader="01", weight=len)
        await cache.get(("huge",), lambda: [0] * 11, reader="01", weight=len)

    anyio.run(main)
    assert [slot[0] for slot in cache.entries] == [("b",), ("c",)]  # the oldest dropped first


def test_a_kept_answer_is_found_without_computing_until_the_data_changes(store: Store) -> None:
    load_sites(store, "post2025.csv")
    cache = ReadCache(store, Metrics().read_answers)

    async def main() -> list[bool]:
        await cache.get(("export",), lambda: b"bytes", reader="01")
        before = await cache.kept(("export",))
        store.inventory.record("00004", validate_inventory(inventory("00004")))
        return [
            before is not None and before.value == b"bytes",
            await cache.kept(("export",)) is None,
        ]

    assert anyio.run(main) == [True, True]


def test_the_read_limits_come_from_the_config(store: Store) -> None:
    from collector.app import Collector
    from collector.readcache import COMPUTES_IN_FLIGHT, MAX_CACHED_WEIGHT

    defaults = CollectorConfig().limits
    assert defaults.max_read_computes_in_flight == COMPUTES_IN_FLIGHT
    assert defaults.max_kept_read_items == MAX_CACHED_WEIGHT
    config = CollectorConfig.model_validate(
        {"database_url": str(store.engine.url), "forward": [],
         "limits": {"max_read_computes_in_flight": 1, "max_kept_read_items": 7}}
    )  # fmt: skip
    reads = Collector(config, store, Metrics()).reads
    assert (reads.workers.total_tokens, reads.max_weight) == (1, 7)
