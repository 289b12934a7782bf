"""The demo's state directory: what it started (pids, namespaces) and the ports it chose.

Everything the demo makes lives under one directory (`$ICTINFRA_DEMO_DIR`, default `.demo/` in
the checkout); `state.json` there lists every process and namespace, so `stop` removes exactly
those, and a second run reuses the same ports.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def demo_dir() -> Path:
    return Path(os.environ.get("ICTINFRA_DEMO_DIR") or REPO / ".demo").resolve()


@dataclass
class State:
    root: Path
    ports: dict[str, int] = field(default_factory=dict)
    pids: dict[str, int] = field(default_factory=dict)
    namespaces: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, root: Path) -> State:
        path = root / "state.json"
        if not path.exists():
            return cls(root)
        saved = json.loads(path.read_text(encoding="utf-8"))
        return cls(root, saved["ports"], saved["pids"], saved["namespaces"], saved["links"])

    def save(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        document = {k: v for k, v in asdict(self).items() if k != "root"}
        (self.root / "state.json").write_text(json.dumps(document, indent=1), encoding="utf-8")


def ours(pid: int, root: Path) -> bool:
    """True when `pid` is alive and one of the demo's (its command line names the state dir)."""
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return str(root).encode() in command


def strays(root: Path) -> list[int]:
    """The demo's processes state.json does not list (e.g. a run killed before it saved)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid() and ours(int(entry.name), root):
            found.append(int(entry.name))
    return found


def terminate(pids: list[int], root: Path, timeout: float = 15) -> None:
    """SIGTERM each of the demo's process groups, SIGKILL whatever is left after `timeout`."""
    alive = [pid for pid in pids if ours(pid, root)]
    for pid in alive:
        _signal(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while alive and time.monotonic() < deadline:
        time.sleep(0.1)
        alive = [pid for pid in alive if ours(pid, root) and not _zombie(pid)]
    for pid in alive:
        _signal(pid, signal.SIGKILL)


def _signal(pid: int, number: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, number)  # each was started in its own session: its group is its pid


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"
    except (OSError, IndexError):
        return True
