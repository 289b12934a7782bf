"""Run the agent-like process (or the real agent) and wait for the lines it prints."""

from __future__ import annotations

import contextlib
import queue
import subprocess
import threading
import time
from pathlib import Path
from typing import ClassVar

from tests.peers.common import subprocess_env


class LineProcess:
    """A subprocess whose stdout lines are collected by a thread, so waiting never blocks.
    Every one started is killed at the end of its test (tests/push/conftest.py), pass or fail."""

    started: ClassVar[list[LineProcess]] = []

    def __init__(self, command: list[str], log_file: Path) -> None:
        self.log_file = log_file
        self._stderr = log_file.open("ab")
        self.process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=self._stderr, env=subprocess_env()
        )
        self.lines: list[str] = []
        self._new: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        LineProcess.started.append(self)

    def _read(self) -> None:
        assert self.process.stdout is not None
        for raw in self.process.stdout:
            line = raw.decode().strip()
            self.lines.append(line)
            self._new.put(line)

    def wait_for(self, wanted: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while wanted not in self.lines:
            if self.process.poll() is not None and self._new.empty() and wanted not in self.lines:
                time.sleep(0.2)  # let the reader thread catch up with the last lines
                if wanted in self.lines:
                    return
                raise AssertionError(
                    f"process exited {self.process.returncode} before {wanted!r}; "
                    f"log: {self.log_file.read_text()[-3000:]}"
                )
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no {wanted!r} after {timeout}s; last: {self.lines[-3:]}")
            with contextlib.suppress(queue.Empty):
                self._new.get(timeout=min(remaining, 0.5))

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(30)
        self._stderr.close()

    def wait(self, timeout: float) -> int:
        code = self.process.wait(timeout)
        self._stderr.close()
        return code
