"""The demo's parts that need no peer: its methodology, its period, the LAN's root check, the
registry and register it imports, and the summaries it prints."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from collector.ranking.methodology import load_methodology
from collector.ranking.period import parse_period
from deploy.demo import clock, lan, province, report


def test_the_demo_methodology_is_valid_with_a_one_minute_step_and_raw_queries(
    tmp_path: Path,
) -> None:
    loaded = load_methodology(clock.demo_methodology(tmp_path))
    assert loaded.rules.step == 60
    queries = loaded.rules.queries
    assert all(getattr(queries, name).recorded is None for name in type(queries).model_fields)


def test_the_period_text_is_one_the_rank_command_accepts() -> None:
    text = clock.period_text(1_796_114_841.7, 1_796_114_961.2)
    assert text == "2026-12-01T08:47:21+00:00..2026-12-01T08:49:21+00:00"
    period = parse_period(text, load_methodology().rules.zone)
    assert (period.start, period.end) == (1_796_114_841, 1_796_114_961)


def test_without_root_the_lan_is_left_out_saying_why(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lan.os, "geteuid", lambda: 1000)
    assert lan.unavailable() == "not root (network namespaces need it)"


def test_the_registry_has_a_province_and_five_communes_and_the_register_names_their_sites() -> None:
    units = list(csv.DictReader(io.StringIO(province.sites_csv())))
    communes = [u for u in units if u["level"] == "commune"]
    assert len(communes) >= 5 and {u["parent_code"] for u in communes} == {province.PROVINCE[0]}
    codes = {u["code"] for u in units}
    assets = list(csv.DictReader(io.StringIO(province.assets_csv())))
    assert assets and all(row["site_code"] in codes for row in assets)
    for commune in province.COMMUNES:
        for case in commune.devices.values():
            assert (province.RECORDINGS / case / "recording.snmprec").is_file()


def test_the_summaries_are_short_and_say_what_matters() -> None:
    reason = {"text": "bought 2010-06 per the asset register"}
    obsolete = {"at": "2026-12-01", "counts": {"devices": 3, "obsolete": 1, "soon_obsolete": 0},
                "devices": [{"site": "06655", "device": "core-switch", "class": "switch",
                             "age_years": 16.5, "age_evidence": {"source": "register"},
                             "reasons": [reason], "vendor": "Cisco", "model": "WS-C3560G"},
                            {"site": "06655", "device": "vm", "class": "server", "age_years": 0.0,
                             "age_evidence": {"source": "first_seen"}, "reasons": [reason],
                             "vendor": None, "model": "container (Docker)"}],
                "soon_obsolete": []}  # fmt: skip
    text = report.obsolete_summary(obsolete)
    assert "1 of 3 devices" in text and "core-switch" in text and "2010-06" in text
    assert "(register) [Cisco WS-C3560G]: bought" in text
    assert "vm                server" in text and "[container (Docker)]" in text
    assert report._made("H3C", "H3C SR8808-X") == "H3C SR8808-X"
    indicator = {"numerator": 5.0, "denominator": 5.0, "score": 50.0, "max_points": 50.0}
    unit = {"code": "22", "name": "x", "level": "province", "depth": 0, "total": 50.0, "rank": 1,
            "coverage": 1.0, "flags": [], "indicators": {"wan_connected": indicator}}  # fmt: skip
    names = {"wan_connected": {"en": "WAN"}}
    ranking = {"start": "a", "end": "b", "steps": 2, "units": [unit],
               "methodology": {"id": "m", "indicators": names}}  # fmt: skip
    text = report.ranking_summary(ranking)
    assert "100%" in text and province.PROVINCE[1] in text and "50.0 / 50" in text
