"""The running agent validates its config in a short-lived child process.

pydantic (~15 MiB resident once its validators are built) is needed only to read the file. So
`run` and every reload ask a child (`python -m agent.config.isolated FILE`) to load it; the child
answers with the validated sections, pickled (plain dataclasses, agent/config/schema.py), or with
the problems, and exits. The service never imports pydantic. Should the child fail to start or
die, the parent validates in-process instead (the same answer, more memory) and logs why.
"""

from __future__ import annotations

import json
import logging
import os
import pickle
import subprocess
import sys
from pathlib import Path

from agent.config import AgentConfig, load_config
from agent.errors import ConfigError

log = logging.getLogger(__name__)

CHILD_TIMEOUT = 120.0  # a loaded 2-core office server can take seconds to start Python
_PROBLEMS_EXIT = 2
_ROOT = str(Path(__file__).resolve().parents[2])


def load_config_isolated(path: str | Path) -> AgentConfig:
    """load_config(path), validated in a child process; raises ConfigError like load_config."""
    search_path = [_ROOT, *filter(None, [os.environ.get("PYTHONPATH")])]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(search_path)}
    command = [sys.executable, "-m", "agent.config.isolated", str(path)]
    try:
        done = subprocess.run(
            command, check=False, capture_output=True, env=env, timeout=CHILD_TIMEOUT
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return _in_process(path, f"could not run the config check: {type(exc).__name__}")
    if done.returncode == _PROBLEMS_EXIT:
        answer = json.loads(done.stdout)
        raise ConfigError(answer["source"], answer["problems"])
    if done.returncode != 0:
        return _in_process(path, f"the config check exited with {done.returncode}")
    config = pickle.loads(done.stdout)  # noqa: S301 - our own child's answer, on our own pipe
    if not isinstance(config, AgentConfig):
        return _in_process(path, "the config check answered something else")
    return config


def _in_process(path: str | Path, why: str) -> AgentConfig:
    log.warning("%s; validating the config in this process (pydantic stays loaded)", why)
    return load_config(path)


def main(argv: list[str]) -> int:
    """The child: exit 0 with the pickled config, 2 with the problems as JSON (never a value)."""
    try:
        config = load_config(argv[0])
    except ConfigError as exc:
        sys.stdout.write(json.dumps({"source": exc.source, "problems": exc.problems}))
        return _PROBLEMS_EXIT
    sys.stdout.buffer.write(pickle.dumps(config, protocol=pickle.HIGHEST_PROTOCOL))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
