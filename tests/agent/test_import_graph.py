"""The agent's import graph, read from the source with `ast` (nothing is imported).

Rules:
1. No import circle anywhere in `agent/`. Every `import`/`from ... import` counts as an edge:
   module level AND the lazy ones inside functions (a lazy circle still ties two modules
   together, and one day someone hoists the import). Only imports under
   `if TYPE_CHECKING:` are left out: they never run. `from pkg import name` is an edge to
   `pkg.name` when that is a module, else to `pkg` (grimp's convention: a parent package's
   `__init__` running first is not an edge of its own).
2. A collector package (`agent/collectors/<name>/`) uses another collector package only
   through that package's public API: `from agent.collectors.<other> import X` where X is in
   `__all__` of `agent/collectors/<other>/__init__.py`. Importing another package's
   submodule (`agent.collectors.snmp.ifmib`) is touching its internals, and is refused.
   `agent/collectors/__init__.py` (which builds the registry) is no collector package; it may
   import any collector module.
"""

from __future__ import annotations

import ast
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
AGENT = ROOT / "agent"
COLLECTORS = "agent.collectors"


@dataclass(frozen=True, slots=True)
class Edge:
    source: str
    target: str
    names: tuple[str, ...]  # what a `from target import ...` took; () for `import target`
    line: int


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(AGENT.rglob("*.py"))}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    found: list[ast.Import | ast.ImportFrom] = []
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and _is_type_checking(node):
            found.extend(_imports(ast.Module(body=node.orelse, type_ignores=[])))
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append(node)
        found.extend(_imports(node))
    return found


def _absolute(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - node.level + 1]
    return ".".join([*base, node.module] if node.module else base)


def edges_of(module: str, path: Path, known: dict[str, Path]) -> list[Edge]:
    edges: list[Edge] = []
    is_package = path.name == "__init__.py"
    for node in _imports(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            edges += [Edge(module, a.name, (), node.lineno) for a in node.names if a.name in known]
            continue
        target = _absolute(module, is_package, node)
        plain = tuple(a.name for a in node.names if f"{target}.{a.name}" not in known)
        for alias in node.names:
            if f"{target}.{alias.name}" in known:
                edges.append(Edge(module, f"{target}.{alias.name}", (), node.lineno))
        if plain and target in known:
            edges.append(Edge(module, target, plain, node.lineno))
    return edges


def graph() -> list[Edge]:
    known = modules()
    return [edge for name, path in known.items() for edge in edges_of(name, path, known)]


def find_cycle(edges: list[Edge]) -> list[str] | None:
    """One import circle (as a path that returns to its start), or None."""
    out: dict[str, set[str]] = {}
    for edge in edges:
        if edge.source != edge.target:
            out.setdefault(edge.source, set()).add(edge.target)
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(out.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for start in sorted(out):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def collector_package(module: str) -> str | None:
    """`agent.collectors.snmp.ifmib` -> `snmp`; None outside a collector package."""
    parts = module.split(".")
    return parts[2] if len(parts) > 2 and module.startswith(COLLECTORS + ".") else None


def public_api(package: str) -> set[str]:
    """The names in `__all__` of agent/collectors/<package>/__init__.py."""
    tree = ast.parse((AGENT / "collectors" / package / "__init__.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            return set(ast.literal_eval(node.value))
    return set()


def boundary_violations(edges: list[Edge]) -> list[str]:
    problems: list[str] = []
    for edge in edges:
        own, other = collector_package(edge.source), collector_package(edge.target)
        if own is None or other is None or own == other:
            continue
        where = f"{edge.source} (line {edge.line})"
        if edge.target != f"{COLLECTORS}.{other}":
            problems.append(f"{where} imports {edge.target}: internals of {other}")
            continue
        hidden = sorted(set(edge.names) - public_api(other))
        if not edge.names or hidden:
            problems.append(f"{where} uses {hidden or 'the module'} of {other}, not in __all__")
    return problems


def test_no_import_circle_in_the_agent() -> None:
    edges = graph()
    assert len(edges) > 100  # the walk really read the agent
    assert find_cycle(edges) is None, " -> ".join(find_cycle(edges) or [])


def test_collectors_use_each_other_only_through_the_public_api() -> None:
    assert boundary_violations(graph()) == []


def test_the_snmp_layer_is_the_one_speaking_snmp() -> None:
    """pysnmp is imported by the SNMP package alone, and there only by the pysnmp sessions
    and the client's lazy (function-level) imports; the lean path never loads it."""
    for name, path in modules().items():
        for node in _imports(ast.parse(path.read_text())):
            targets = (
                [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module]
            )
            if any((t or "").split(".")[0] in ("pysnmp", "pyasn1") for t in targets):
                assert name in (
                    f"{COLLECTORS}.snmp.pysnmp_sessions",
                    f"{COLLECTORS}.snmp.client",
                ), f"{name} line {node.lineno} speaks SNMP outside agent/collectors/snmp"


# the checks themselves, on small made-up graphs: each rule can fail


def _edge(source: str, target: str, *names: str) -> Edge:
    return Edge(source, target, names, 1)


def test_a_lazy_circle_is_found() -> None:
    a, b, c = "agent.x.a", "agent.x.b", "agent.x.c"
    assert find_cycle([_edge(a, b), _edge(b, c), _edge(c, a)]) == [a, b, c, a]
    assert find_cycle([_edge(a, b), _edge(b, c), _edge(a, c)]) is None


@pytest.mark.parametrize(
    ("edge", "refused"),
    [
        (_edge("agent.collectors.bandwidth.uplink", "agent.collectors.snmp.ifmib"), True),
        (_edge("agent.collectors.bandwidth.uplink", "agent.collectors.snmp", "poll_targets"), True),
        (_edge("agent.collectors.bandwidth.uplink", "agent.collectors.snmp"), True),
        (_edge("agent.collectors.bandwidth.uplink", "agent.collectors.snmp", "Walker"), False),
        (_edge("agent.collectors.snmp.poller", "agent.collectors.snmp.ifmib"), False),
        (_edge("agent.collectors", "agent.collectors.snmp.collector"), False),
    ],
)
def test_the_boundary_rule(edge: Edge, refused: bool) -> None:
    assert bool(boundary_violations([edge])) is refused


LEAN_PATH = """
import asyncio, sys
import agent.collectors.snmp.collector, agent.collectors.bandwidth.collector
import agent.collectors.bandwidth.lanfacts, agent.collectors.lan.job
from agent.collectors.snmp import discover_sys_object_ids
asyncio.run(discover_sys_object_ids(["127.0.0.1"], ["public"], {port}, 0.2))
print(sorted(m for m in sys.modules if m.split(".")[0] in ("pysnmp", "pyasn1")))
"""


def test_pysnmp_stays_off_the_lean_path() -> None:
    """Importing every SNMP user and running a discovery on the lean codec loads no pysnmp."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:  # bound, never answers
        silent.bind(("127.0.0.1", 0))
        code = LEAN_PATH.format(port=silent.getsockname()[1])
        result = subprocess.run(
            [sys.executable, "-c", code],
            check=False,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
