"""What serving the throughput test costs the collector: CPU seconds and memory per 100 MB.

Starts a real `ictinfra-collector serve` (plain HTTP, or TLS with --tls) on loopback, downloads
`--bytes` from /api/v1/speedtest `--tests` times (one site each, so the per-site limit is not in
the way) and reports the download rate and the collector process's CPU time and RSS.

    python3 bench/collector_speedtest.py [--bytes 100000000] [--tests 3] [--tls]
"""

from __future__ import annotations

import argparse
import ssl
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psutil

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.peers.common import (  # noqa: E402
    collector_command,
    free_port,
    stop,
    subprocess_env,
    wait_until,
)
from tests.peers.tls import make_tls_files  # noqa: E402

SITES = ["00001", "00004", "06655", "001", "01", "22", "193"]


def _healthy(url: str, verify: ssl.SSLContext | bool) -> bool:
    try:
        return httpx.get(f"{url}/healthz", verify=verify, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bytes", type=int, default=100_000_000)
    parser.add_argument("--tests", type=int, default=3)
    parser.add_argument("--tls", action="store_true")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="speedtest-bench-"))
    port = free_port()
    config = root / "collector.yml"
    text = (
        f"listen: 127.0.0.1:{port}\ndatabase_url: sqlite:///{root / 'c.db'}\n"
        f"forward: [{{url: 'http://127.0.0.1:{free_port()}/api/v1/write'}}]\n"
        f"speedtest: {{max_bytes: {args.bytes}}}\nlog: {{level: warning}}\n"
    )
    verify: ssl.SSLContext | bool = True
    scheme = "http"
    if args.tls:
        tls = make_tls_files(root / "tls")
        text += f"tls_cert_file: {tls.cert_file}\ntls_key_file: {tls.key_file}\n"
        verify, scheme = tls.context(), "https"
    config.write_text(text)
    env = subprocess_env(ICTINFRA_COLLECTOR_CONFIG=str(config))
    csv = REPO / "tests/collector/cases/sites_good/pre2025.csv"
    subprocess.run(collector_command("sites", "import", "--init", str(csv)), env=env, check=True,
                   capture_output=True)  # fmt: skip
    tokens = [
        subprocess.run(collector_command("sites", "token", site), env=env, check=True,
                       capture_output=True, text=True).stdout.strip().splitlines()[-1]
        for site in SITES[: args.tests]
    ]  # fmt: skip
    process = subprocess.Popen(collector_command("serve"), env=env)
    url = f"{scheme}://127.0.0.1:{port}"
    try:
        wait_until(lambda: _healthy(url, verify), 60, "collector")
        proc = psutil.Process(process.pid)
        rss_before = proc.memory_info().rss
        for token in tokens:
            cpu = sum(proc.cpu_times()[:2])
            started = time.perf_counter()
            received = 0
            with httpx.stream("GET", f"{url}/api/v1/speedtest?bytes={args.bytes}",
                              headers={"Authorization": f"Bearer {token}"},
                              verify=verify, timeout=60) as answer:  # fmt: skip
                answer.raise_for_status()
                for chunk in answer.iter_raw(1 << 20):
                    received += len(chunk)
            seconds = time.perf_counter() - started
            used = sum(proc.cpu_times()[:2]) - cpu
            assert received == args.bytes
            print(f"{scheme}: {received / seconds / 1e6:7.0f} MB/s  collector CPU "
                  f"{used / received * 1e8:.2f} s per 100 MB  RSS "
                  f"{proc.memory_info().rss / 2**20:.0f} MiB "
                  f"(before tests {rss_before / 2**20:.0f} MiB)")  # fmt: skip
    finally:
        stop(process)


if __name__ == "__main__":
    main()
