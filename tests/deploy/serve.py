"""A real `ictinfra-collector serve` process for the deploy tests, over HTTP or HTTPS (verified
against the test's own CA), waited for until /healthz answers."""

from __future__ import annotations

import ssl
import subprocess
from pathlib import Path

import httpx

from tests.peers.common import collector_command, stop, subprocess_env, wait_until


def start_collector(
    config: Path, url: str, *flags: str, verify: ssl.SSLContext | bool = True
) -> subprocess.Popen[bytes]:
    """`serve --config CONFIG FLAGS...` serving at `url`; its output in collector.log beside
    CONFIG. Stop it with tests.peers.common.stop()."""
    log = config.with_name("collector.log")
    with log.open("wb") as out:
        process = subprocess.Popen(
            collector_command("serve", "--config", str(config), *flags),
            env=subprocess_env(), stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip

    def healthy() -> bool:
        assert process.poll() is None, log.read_text()
        try:
            return httpx.get(f"{url}/healthz", verify=verify, timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_until(healthy, 60, f"collector at {url}")
    except BaseException:
        stop(process)
        raise
    return process
