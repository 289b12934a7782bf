"""No agent module imports pydantic (~15 MiB of RSS) when it is imported: the config Sections and
the wire records are plain dataclasses; pydantic is loaded only to validate (agent/validation.py),
which the running agent leaves to a child (agent/config/isolated.py).

Each check runs in a fresh interpreter, since this one has pydantic loaded already.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

# What every run loads and that does not import agent.config.
PLAIN = ("agent.wire.inventory", "agent.cycle", "agent.model", "agent.registry", "agent.exposition")

REPORT = """
import json
heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("pydantic", "pydantic_core"))
loaded = sum(1 for m in sys.modules if m == "agent" or m.startswith("agent."))
print(json.dumps([heavy, "agent.config" in sys.modules, loaded]))
"""


def _imported(code: str) -> tuple[list[str], bool, int]:
    """(pydantic modules loaded, whether agent.config was imported, agent modules loaded)."""
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code) + REPORT],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    heavy, config, count = json.loads(done.stdout.strip().splitlines()[-1])
    return heavy, config, count


def test_wire_records_and_cycle_do_not_import_pydantic() -> None:
    code = (
        f"import importlib, sys\nmodules = {PLAIN!r}\nfor m in modules: importlib.import_module(m)"
    )
    heavy, config, count = _imported(code)
    assert (heavy, config) == ([], False)
    assert count > len(PLAIN)  # the agent package and what PLAIN's modules import themselves


def test_no_agent_module_imports_pydantic() -> None:
    code = textwrap.dedent("""
        import importlib, pkgutil, sys, agent
        modules = [
            m.name for m in pkgutil.walk_packages(agent.__path__, "agent.")
            if m.name != "agent.__main__"
        ]
        for m in modules:
            importlib.import_module(m)
    """)
    heavy, _, count = _imported(code)
    assert heavy == []
    assert count > 50  # the walk found the agent's modules (schedule, push, collectors, ...)
