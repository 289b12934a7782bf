"""The agent's running process does not import pydantic (~15 MiB of RSS): only the config loader
may, and the wire records are plain dataclasses (the collector validates them with pydantic).

Each check runs in a fresh interpreter, since this one has pydantic loaded already.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

# What every run loads and that does not import agent.config.
PLAIN = ("agent.wire.inventory", "agent.cycle", "agent.model", "agent.registry", "agent.exposition")

# agent.config still imports pydantic until the config models are off it at run time (the
# lead's branch). Until then it is replaced by stub modules, so the check covers every other
# module of the agent; once agent.config is pydantic-free the stub changes nothing.
STUB_CONFIG = """
import importlib.abc, importlib.machinery, sys, types

class Stub(types.ModuleType):
    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return type(name, (), {})

class StubConfig(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, fullname, path, target=None):
        if fullname == "agent.config" or fullname.startswith("agent.config."):
            return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
        return None

    def create_module(self, spec):
        module = Stub(spec.name)
        module.__path__ = []
        return module

    def exec_module(self, module):
        pass

sys.meta_path.insert(0, StubConfig())
"""

REPORT = """
import json
heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("pydantic", "pydantic_core"))
print(json.dumps([heavy, "agent.config" in sys.modules, len(modules)]))
"""


def _imported(code: str) -> tuple[list[str], bool, int]:
    """(pydantic modules loaded, whether agent.config was imported, modules imported)."""
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
    assert (heavy, config, count) == ([], False, len(PLAIN))


def test_no_agent_module_but_config_imports_pydantic() -> None:
    code = STUB_CONFIG + textwrap.dedent("""
        import importlib, pkgutil, agent
        modules = [
            m.name for m in pkgutil.walk_packages(agent.__path__, "agent.")
            if not m.name.startswith("agent.config") and m.name != "agent.__main__"
        ]
        for m in modules:
            importlib.import_module(m)
    """)
    heavy, _, count = _imported(code)
    assert heavy == []
    assert count > 50  # the walk found the agent's modules (schedule, push, collectors, ...)
