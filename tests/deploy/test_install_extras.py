"""An agent-only install (`pip install .[agent]`): the agent runs without the collector's
packages, and the `ictinfra-collector` script it also ships says which extra is missing.

The collector's packages are made unimportable by a `sitecustomize` first on the path (a real
agent-only venv is checked by hand, docs/deploy.md); the demo never imports the tests."""

from __future__ import annotations

import ast
import subprocess
from pathlib import Path

from tests.peers.common import REPO, agent_command, collector_command, subprocess_env

# import names of the `collector` extra that the `agent` extra does not also bring
COLLECTOR_ONLY = (
    "sqlalchemy", "starlette", "uvicorn", "alembic", "httpx", "psycopg", "openpyxl",
    "prometheus_client", "promql_parser", "tqdm", "jinja2",
)  # fmt: skip
BLOCKER = """\
import sys
BLOCKED = {blocked!r}
class _Blocked:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
sys.meta_path.insert(0, _Blocked())
"""


def _run_without(
    tmp_path: Path, blocked: tuple[str, ...], command: list[str]
) -> subprocess.CompletedProcess[str]:
    (tmp_path / "sitecustomize.py").write_text(BLOCKER.format(blocked=set(blocked)))
    env = subprocess_env()
    env["PYTHONPATH"] = f"{tmp_path}:{env['PYTHONPATH']}"
    return subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=120, check=False, cwd=REPO
    )


def test_the_collector_script_names_the_missing_extra(tmp_path: Path) -> None:
    config = tmp_path / "collector.yaml"
    config.write_text(f"database_url: sqlite:///{tmp_path / 'c.db'}\n")
    for args in (["--help"], ["serve", "--config", str(config)], ["sites", "tokens"]):
        done = _run_without(tmp_path, COLLECTOR_ONLY, collector_command(*args))
        assert done.returncode == 1, done.stderr
        assert "Traceback" not in done.stderr
        assert "pip install 'ictinfra[collector]'" in done.stderr
        assert "`sqlalchemy` is not installed" in done.stderr


def test_the_agent_runs_without_the_collector_or_its_packages(tmp_path: Path) -> None:
    blocked = (*COLLECTOR_ONLY, "collector", "deploy", "tests")
    checked = _run_without(
        tmp_path, blocked, agent_command("check-config", str(REPO / "deploy/agent.example.yaml"))
    )
    assert checked.returncode == 0, checked.stderr
    once = _run_without(
        tmp_path, blocked, agent_command("once", "--config", str(REPO / "deploy/agent.local.yaml"))
    )
    assert once.returncode == 0, once.stderr
    assert "node_cpu_seconds_total" in once.stdout


def _imported(root: Path) -> set[tuple[str, str]]:
    """(file, top-level package) of every import under `root`, lazy ones included."""
    found: set[tuple[str, str]] = set()
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom) and not node.level
                else []
            )
            found |= {(str(path.relative_to(REPO)), name.split(".")[0]) for name in names}
    return found


def test_the_agent_never_imports_the_collector_and_the_demo_never_the_tests() -> None:
    agent = {
        (f, top) for f, top in _imported(REPO / "agent") if top in ("collector", "deploy", "tests")
    }
    demo = {(f, top) for f, top in _imported(REPO / "deploy" / "demo") if top == "tests"}
    assert agent == set() and demo == set()
    assert ("deploy/demo/stack.py", "deploy") in _imported(REPO / "deploy" / "demo")
