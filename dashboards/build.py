"""The list of dashboards and their JSON: adding a dashboard is a module with `UID` and
`build(lang)`, plus one line in DASHBOARDS."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from grafana_foundation_sdk.builders import dashboard as db
from grafana_foundation_sdk.cog.encoder import JSONEncoder

from dashboards import obsolete, overview, ranking, site, system
from dashboards.text import LANGS

JSON_DIR = Path(__file__).with_name("json")

# file name -> builder; the JSON goes to json/<lang>/<name>.json
DASHBOARDS: dict[str, Callable[..., db.Dashboard]] = {
    "overview": overview.build,
    "obsolete": obsolete.build,
    "ranking": ranking.build,
    "site": site.build,
    "system": system.build,
}


# The SDK gives every variable an interval variable's fields; the 11.6 schema has them on none.
INTERVAL_ONLY = ("auto", "auto_count", "auto_min")


def render(builder: db.Dashboard) -> str:
    model = json.loads(json.dumps(builder.build(), cls=JSONEncoder))
    for variable in model.get("templating", {}).get("list", []):
        if variable.get("type") != "interval":
            for key in INTERVAL_ONLY:
                variable.pop(key, None)
    return json.dumps(model, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def render_all() -> dict[Path, str]:
    return {
        JSON_DIR / lang / f"{name}.json": render(build(lang))
        for name, build in DASHBOARDS.items()
        for lang in LANGS
    }


def stale(rendered: dict[Path, str]) -> list[str]:
    problems = []
    for path, text in rendered.items():
        if not path.is_file():
            problems.append(f"missing: {path}")
        elif path.read_text(encoding="utf-8") != text:
            problems.append(f"stale: {path}")
    problems += [f"not generated: {p}" for p in JSON_DIR.rglob("*.json") if p not in rendered]
    return problems
