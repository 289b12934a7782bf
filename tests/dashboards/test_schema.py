"""Every generated dashboard type-checks against Grafana 11.6's published schema: each JSON is
assigned to @grafana/schema's `Dashboard` (enums as their JSON values) and `tsc --strict` runs."""

from __future__ import annotations

import subprocess

from dashboards.build import DASHBOARDS, JSON_DIR
from tests.peers.common import REPO, peer_unavailable

CHECK_DIR = REPO / "dashboards" / "schema-check"


def test_every_dashboard_type_checks_against_grafana_schema() -> None:
    tsc = CHECK_DIR / "node_modules" / ".bin" / "tsc"
    if not tsc.exists():
        peer_unavailable("no TypeScript in dashboards/schema-check/node_modules (deploy/setup.sh)")
    files = sorted(JSON_DIR.rglob("*.json"))
    lines = ['import type { DashboardJson } from "./json";']
    for index, path in enumerate(files):
        lines += [f"// {path.relative_to(REPO)}", f"export const d{index}: DashboardJson = "
                  f"{path.read_text(encoding='utf-8')};"]  # fmt: skip
    (CHECK_DIR / "dashboards.gen.ts").write_text("\n".join(lines), encoding="utf-8")
    done = subprocess.run([str(tsc), "-p", str(CHECK_DIR / "tsconfig.json")], cwd=CHECK_DIR,
                          capture_output=True, text=True, timeout=300, check=False)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert len(files) == 2 * len(DASHBOARDS) == 10
