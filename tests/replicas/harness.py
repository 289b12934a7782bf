"""Collector replicas on one database, each a real `ictinfra-collector serve` process.

replicas = ReplicaSet(root, database_url, forward=[...], count=3)
replicas.start_all("--init")        # all at the same moment
replicas.wait_healthy()
replicas.kill(0)                    # SIGKILL
replicas.restart(1)                 # SIGTERM, then the same port and config again
replicas.addresses                  # [("127.0.0.1", port), ...] for HAProxy
replicas.stop_all()
"""

from __future__ import annotations

import json
import signal
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.peers.collector import answers, run_cli, spawn_serve
from tests.peers.common import free_port, stop, wait_until


@dataclass
class Replica:
    index: int
    port: int
    config: Path
    root: Path
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        return self.root / f"serve-{self.starts}.log"

    def spawn(self, *args: str) -> None:
        self.starts += 1
        self.process = spawn_serve(self.config, self.log, *args)

    def healthy(self) -> bool:
        assert self.process is not None
        return answers(self.process, self.log, self.url, "/readyz")


@dataclass
class ReplicaSet:
    root: Path
    database_url: str
    forward: list[dict[str, Any]]
    count: int = 3
    settings: dict[str, Any] = field(default_factory=dict)
    forward_for: dict[int, list[dict[str, Any]]] = field(default_factory=dict)  # by replica
    replicas: list[Replica] = field(init=False)

    def __post_init__(self) -> None:
        self.replicas = [self._replica(index) for index in range(self.count)]

    def _replica(self, index: int) -> Replica:
        root = self.root / f"r{index}"
        root.mkdir(parents=True, exist_ok=True)
        port = free_port()
        document = {
            "listen": f"127.0.0.1:{port}",
            "database_url": self.database_url,
            "forward": self.forward_for.get(index, self.forward),
            "log": {"level": "info"},
            **self.settings,
        }
        config = root / "collector.yml"
        config.write_text(json.dumps(document, indent=1), encoding="utf-8")  # JSON is YAML
        return Replica(index, port, config, root)

    @property
    def addresses(self) -> list[tuple[str, int]]:
        return [("127.0.0.1", replica.port) for replica in self.replicas]

    def cli(self, *args: str, replica: int = 0) -> str:
        return run_cli(self.replicas[replica].config, *args)

    def start_all(self, *args: str) -> None:
        for replica in self.replicas:
            replica.spawn(*args)

    def wait_healthy(self, timeout: float = 60) -> None:
        for replica in self.replicas:
            wait_until(replica.healthy, timeout, f"replica {replica.index}")

    def kill(self, index: int) -> None:
        process = self.replicas[index].process
        assert process is not None
        process.send_signal(signal.SIGKILL)
        process.wait(10)

    def restart(self, index: int) -> None:
        replica = self.replicas[index]
        assert replica.process is not None
        stop(replica.process)
        replica.spawn()
        wait_until(replica.healthy, 60, f"replica {index} after its restart")

    def logs(self) -> str:
        return "\n".join(
            path.read_text(errors="replace") for path in sorted(self.root.glob("r*/serve-*.log"))
        )

    def stop_all(self) -> None:
        for replica in self.replicas:
            if replica.process is not None:
                stop(replica.process)
