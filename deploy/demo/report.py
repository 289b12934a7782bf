"""Short human summaries of the collector's JSON (the obsolete list, the ranking) and the URLs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from deploy.demo import province, stack
from deploy.demo.state import REPO, State

NAMES = {province.PROVINCE[0]: province.PROVINCE[1]} | {c.code: c.name for c in province.COMMUNES}


def _made(vendor: str | None, model: str | None) -> str:
    """`Cisco WS-C3560G`; a model that already names its vendor (`H3C SR8808-X`) stands alone."""
    if vendor and model and model.lower().startswith(vendor.lower()):
        return model
    return " ".join(filter(None, (vendor, model)))


def obsolete_summary(report: dict[str, Any]) -> str:
    counts = report["counts"]
    lines = [
        "",
        f"== Obsolete equipment on {report['at']}: {counts['obsolete']} of {counts['devices']} "
        f"devices seen ({counts['soon_obsolete']} more within 12 months) ==",
    ]
    for device in report["devices"]:
        age = device["age_evidence"].get("source") or "?"
        reasons = "; ".join(reason["text"] for reason in device["reasons"])
        made = _made(device.get("vendor"), device.get("model"))
        lines.append(
            f"  {device['site']} {device['device']:<17} {device['class']:<9} "
            f"{device['age_years']:>4.1f} y ({age}){f' [{made}]' if made else ''}: {reasons}"
        )
    for device in report["soon_obsolete"]:
        first = device["reasons"][0]
        lines.append(f"  soon: {device['site']} {device['device']}: {first['text']}")
    return "\n".join(lines)


def ranking_summary(ranking: dict[str, Any]) -> str:
    indicators = ranking["methodology"]["indicators"]
    lines = [
        "",
        f"== Ranking {ranking['start']} .. {ranking['end']} ({ranking['steps']} steps, "
        f"methodology {ranking['methodology']['id']}) ==",
        "  rank  total  coverage  unit",
    ]
    units = sorted(ranking["units"], key=lambda u: (u["depth"], u["rank"] or 1e9, u["code"]))
    for unit in units:
        rank = "-" if unit["rank"] is None else str(unit["rank"])
        total = "-" if unit["total"] is None else f"{unit['total']:.1f}"
        indent = "  " * unit["depth"]
        lines.append(
            f"  {rank:>4} {total:>6} {unit['coverage']:>8.0%}  {indent}{unit['code']} "
            f"{NAMES.get(unit['code'], unit['name'])} ({unit['level']})"
        )
    top = ranking["units"][0]
    lines.append(f"  {top['code']}'s indicators (a / b -> score / max):")
    for key, value in top["indicators"].items():
        lines.append(
            f"    {indicators[key]['en']:<60} {value['numerator']:>10.4g} / "
            f"{value['denominator']:<6.4g} -> {value['score']:>5.1f} / "
            f"{value['max_points']:.0f}"
        )
    flags = sorted({flag for unit in ranking["units"] for flag in unit["flags"]})
    lines.append(f"  flags: {', '.join(flags) or 'none'} (docs/ranking.md says what each means)")
    return "\n".join(lines)


def where(state: State, urls: dict[str, str], xlsx: Path, seconds: float) -> str:
    grafana = REPO / "deploy" / "grafana" / "provisioning"
    return "\n".join(
        [
            "",
            f"== Running (took {seconds:.0f} s; all keep running until `deploy/demo/run.sh stop`)",
            f"  web page        {urls['collector']}/  (user {stack.WEB_USER}, password "
            f"{stack.web_password(state)}: the province and its communes)",
            f"  Prometheus      {urls['prometheus']}  (try: ictinfra_agent_build_info)",
            f"  collector       {urls['collector']}  (/metrics, /api/v1/...; config "
            f"{state.root / 'collector' / 'collector.yaml'})",
            f"  ranking XLSX    {xlsx}",
            f"  JSON            {state.root / 'ranking.json'}, {state.root / 'obsolete.json'}",
            f"  logs            {state.root / 'logs'}",
            f"  Grafana         ICTINFRA_PROMETHEUS_URL={urls['prometheus']} and Grafana's",
            f"                  provisioning dir {grafana} (docs/dashboards.md)",
            "  rank again      .venv/bin/ictinfra-collector rank --config "
            f"{state.root / 'collector' / 'collector.yaml'} --period 'FROM..TO' --format json "
            f"--methodology {state.root / 'demo-methodology.yaml'}",
        ]
    )
