"""Every query of every generated dashboard (panels and variables) returns data from a real
Prometheus fed by real agents through the real collector (tests/dashboards/stack.py), for a site
of each hierarchy; and the community Node Exporter Full dashboard's first two rows work on the
agent's host metrics as they do on the real node_exporter's."""

from __future__ import annotations

import csv
import io
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dashboards.build import JSON_DIR
from dashboards.staff import per_unit
from dashboards.worst import COLUMNS, worst_sites
from tests.dashboards.stack import NEW_SITE, OLD_SITE, SITES_CSV, Stack, start_stack
from tests.peers.common import REPO
from tests.peers.node_exporter import NodeExporter
from tests.peers.snmpsim import Snmpsim

pytestmark = [pytest.mark.peer, pytest.mark.netns]

RATE = "30s"  # $__rate_interval: agents collect every 2-5 s, Prometheus scrapes every 1 s
CONTEXTS = {  # the variables a user would pick, for a site of each hierarchy
    "pre2025": {"province": "01", "district": "001", "commune": "00001", "site": OLD_SITE,
                "device": "core-switch", "class": ".*", "level": ".*", "indicator": ".*"},
    "post2025": {"province": "22", "district": ".*", "commune": ".*", "site": NEW_SITE,
                 "device": ".*", "class": "pc|switch", "level": "commune",
                 "indicator": "equipment_in_life"},
}  # fmt: skip
# A device is either obsolete or turning obsolete, never both: the obsolete board's lists are
# checked with every device of the site (its device variable with a value is checked above).
PER_DASHBOARD = {("obsolete", "pre2025"): {"device": ".*"}}
# Levels the post-2025 hierarchy does not have: their variables list nothing there, by design.
ABSENT_LEVELS = {"post2025": {"district", "commune"}}
LABEL_VALUES = re.compile(r"^label_values\((.*),\s*(\w+)\)$", re.DOTALL)
NODE_FULL = REPO / "tests" / "cases" / "compat" / "node-exporter-full.json"
NODE_ROWS = ("Quick CPU / Mem / Disk", "Basic CPU / Mem / Net / Disk")
WAIT = 180.0


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, snmpsim: Snmpsim) -> Iterator[Stack]:
    yield from start_stack(tmp_path_factory.mktemp("dashboards-stack"), snmpsim)


def dashboard_queries(model: dict[str, Any]) -> list[tuple[str, str]]:
    """(where, query) for every panel target and every query variable."""
    found = [
        (f"panel {panel['title']!r}", target["expr"])
        for panel in model["panels"]
        for target in panel.get("targets", [])
    ]
    for variable in model["templating"]["list"]:
        if variable["type"] == "query":
            found.append((f"variable {variable['name']}", variable["query"]["query"]))
    return found


def substitute(query: str, values: dict[str, str]) -> str:
    query = query.replace("$__rate_interval", RATE)
    for name in sorted(values, key=len, reverse=True):
        query = query.replace(f"${name}", values[name])
    assert not re.search(r"\$(?!\d)", query), query  # label_replace's "$1" is not a variable
    return query


def as_promql(query: str) -> tuple[str, str | None]:
    """A variable's label_values(selector, label) as the PromQL Grafana's data source runs."""
    match = LABEL_VALUES.match(query)
    if match is None:
        return query, None
    selector, label = match.groups()
    return f"count by ({label}) ({selector})", label


def answers(stack: Stack, query: str) -> bool:
    promql, label = as_promql(query)
    result = stack.prometheus.query(promql)
    if label is not None:
        return any(item["metric"].get(label) for item in result)
    return bool(result)


def wait_for_all(stack: Stack, queries: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The queries still without data after WAIT seconds (the agents start up meanwhile)."""
    deadline = time.monotonic() + WAIT
    pending = queries
    while pending and time.monotonic() < deadline:
        pending = [(where, q) for where, q in pending if not answers(stack, q)]
        if pending:
            time.sleep(1)
    return pending


def our_queries() -> list[tuple[str, str, str]]:
    return [
        (path.stem, where, query)
        for path in sorted((JSON_DIR / "vi").glob("*.json"))
        for where, query in dashboard_queries(json.loads(path.read_text(encoding="utf-8")))
    ]


def test_english_build_runs_the_same_queries() -> None:
    for path in sorted((JSON_DIR / "vi").glob("*.json")):
        vi = dashboard_queries(json.loads(path.read_text(encoding="utf-8")))
        en = dashboard_queries(json.loads((JSON_DIR / "en" / path.name).read_text("utf-8")))
        assert [q for _, q in vi] == [q for _, q in en], path.name


@pytest.mark.parametrize("context", sorted(CONTEXTS))
def test_every_dashboard_query_returns_data(stack: Stack, context: str) -> None:
    skipped = ABSENT_LEVELS.get(context, set())
    queries = [
        (
            f"{name}: {where}",
            substitute(query, CONTEXTS[context] | PER_DASHBOARD.get((name, context), {})),
        )
        for name, where, query in our_queries()
        if where.removeprefix("variable ") not in skipped
    ]
    assert len(queries) > 80
    missing = wait_for_all(stack, queries)
    assert not missing, "no data for:\n" + "\n".join(
        [*(f"{w}: {q}" for w, q in missing), *stack.problems]
    )
    for level in skipped:  # and those levels really are absent from the new hierarchy's series
        assert not stack.prometheus.query(
            f'ictinfra_collector_success{{site="{NEW_SITE}", {level}!=""}}'
        )


# the two contexts, and the whole country (both sites)
PLACES = {**CONTEXTS, "national": dict.fromkeys(("province", "district", "commune", "site"), ".*")}
CHOSEN = {"pre2025": {OLD_SITE}, "post2025": {NEW_SITE}, "national": {OLD_SITE, NEW_SITE}}


def _register() -> tuple[dict[str, str | None], dict[str, int]]:
    rows = list(csv.DictReader(io.StringIO(SITES_CSV)))
    return {r["code"]: r["parent_code"] or None for r in rows}, {
        r["code"]: int(r["staff"]) for r in rows
    }


def _at_or_above(code: str | None, parents: dict[str, str | None]) -> set[str]:
    found = set()
    while code is not None:
        found.add(code)
        code = parents[code]
    return found


@pytest.mark.parametrize("context", sorted(PLACES))
def test_bandwidth_per_civil_servant_is_capacity_over_registered_staff(
    stack: Stack, context: str
) -> None:
    """Each unit of the chosen place: its and its children's sites' last speed tests over its
    and its children's register staff (the ranking's aggregation)."""
    query = substitute(per_unit(), PLACES[context])
    assert not wait_for_all(stack, [("per unit", query)])
    at = time.time()
    tests = stack.prometheus.query(
        "sum by (site) (ictinfra_bandwidth_test_download_bytes_per_second) * 8", at=at
    )
    capacity = {item["metric"]["site"]: float(item["value"][1]) for item in tests}
    assert set(capacity) == {OLD_SITE, NEW_SITE}
    parents, staff = _register()
    found = {item["metric"]["unit"]: float(item["value"][1])
             for item in stack.prometheus.query(query, at=at)}  # fmt: skip
    assert set(found) == set().union(*(_at_or_above(site, parents) for site in CHOSEN[context]))
    for unit, value in found.items():
        bits = sum(c for site, c in capacity.items() if unit in _at_or_above(site, parents))
        people = sum(n for code, n in staff.items() if unit in _at_or_above(code, parents))
        assert value == pytest.approx(bits / people), unit


@pytest.mark.parametrize("context", sorted(PLACES))
def test_worst_sites_columns_merge_into_one_row_per_site(stack: Stack, context: str) -> None:
    """Grafana's merge joins the columns on their labels: each must label a site alike."""
    worst = worst_sites()
    queries = [(column.title.en, substitute(f"{column.expr} and on (site) {worst}",
                                            PLACES[context])) for column in COLUMNS]  # fmt: skip
    assert not wait_for_all(stack, queries)
    columns = [sorted(sorted(item["metric"].items()) for item in stack.prometheus.query(q))
               for _, q in queries]  # fmt: skip
    assert {dict(labels)["site"] for labels in columns[0]} == CHOSEN[context]
    assert all(labels == columns[0] for labels in columns), columns


def node_full_queries() -> list[tuple[str, str]]:
    model = json.loads(NODE_FULL.read_text(encoding="utf-8"))
    found, row = [], None
    for panel in model["panels"]:
        if panel["type"] == "row":
            row = panel["title"]
        elif row is None or row in NODE_ROWS:
            found += [(panel["title"], t["expr"]) for t in panel.get("targets", []) if "expr" in t]
    return found


def metric_names(query: str) -> set[str]:
    return set(re.findall(r"\b(node_[a-zA-Z0-9_]+)\b", query))


def test_node_exporter_full_first_rows_work_on_the_agent(
    stack: Stack, node_exporter: NodeExporter
) -> None:
    queries = node_full_queries()
    assert len(queries) == 28
    values = {"job": "ictinfra-agent", "node": stack.instance, "nodename": stack.instance,
              "instance": stack.instance}  # fmt: skip
    theirs = {line.split(" ")[0].split("{")[0] for line in node_exporter.scrape().splitlines()
              if line and not line.startswith("#")}  # fmt: skip
    served = [(w, q) for w, q in queries if metric_names(q) <= theirs]
    unserved = [(w, q) for w, q in queries if not metric_names(q) <= theirs]
    missing = wait_for_all(stack, [(w, substitute(q, values)) for w, q in served])
    assert not missing, "no data for:\n" + "\n".join(f"{w}: {q}" for w, q in missing)
    for where, query in unserved:  # what node_exporter lacks on this kernel, the agent lacks too
        assert not answers(stack, substitute(query, values)), where
    print(
        f"Node Exporter Full rows: {len(served)} of {len(queries)} queries return data "
        f"(node_exporter serves the families of {len(served)}); unserved: {unserved}"
    )
    assert len(served) >= 27
    assert Path(NODE_FULL).is_file()
