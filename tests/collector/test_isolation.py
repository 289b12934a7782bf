"""One site never blocks another, against a real `serve` process limited to 1,024 descriptors:
a 40,000-device inventory, idle and trickling sockets, one site's requests piling up."""

from __future__ import annotations

import resource
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from agent.wire.remote_write import encode_write_request
from tests.collector.conftest import CASES
from tests.collector.inventories import huge_inventory
from tests.peers.collector import CollectorProcess, start_collector
from tests.peers.common import wait_until
from tests.peers.prometheus import PrometheusServer

pytestmark = pytest.mark.peer

FD_LIMIT = 1024
IDLE_SOCKETS = 1100
DEADLINE = 1.0  # seconds: the bound for another site's write (the one timed check)


@dataclass
class Collector:
    process: CollectorProcess
    port: int
    prometheus: PrometheusServer

    @property
    def url(self) -> str:
        return self.process.url

    def token(self, site: str) -> str:
        return self.process.token(site)

    def write(self, token: str, test_id: str, timeout: float = 30) -> httpx.Response:
        body = encode_write_request(
            [
                (
                    {"__name__": "ictinfra_isolation", "test": test_id},
                    [(int(time.time() * 1000), 1.0)],
                )
            ]
        )
        return self.process.write(token, body, timeout=timeout)


@pytest.fixture(scope="module")
def collector(
    tmp_path_factory: pytest.TempPathFactory, prometheus: PrometheusServer
) -> Iterator[Collector]:
    running = start_collector(
        tmp_path_factory.mktemp("isolation"),
        [{"url": prometheus.write_url, "name": "prometheus"}],
        CASES / "sites_good" / "pre2025.csv",
        limits={"max_inventory_devices": 50_000, "max_requests_in_flight_per_site": 2},
        connections={"header_timeout": "2s"},
    )
    # the cap is read at each new connection, the limit at each descriptor allocation
    resource.prlimit(running.process.pid, resource.RLIMIT_NOFILE, (FD_LIMIT, FD_LIMIT))
    yield Collector(running, int(running.url.rpartition(":")[2]), prometheus)
    running.stop()


def test_site_b_writes_within_a_second_while_site_a_posts_40000_devices(
    collector: Collector,
) -> None:
    token_a, token_b = collector.token("00001"), collector.token("00004")
    body = huge_inventory(40_000)
    answers: list[httpx.Response] = []
    headers = {"Authorization": f"Bearer {token_a}", "Content-Type": "application/json"}

    def post_inventory() -> None:
        url = f"{collector.url}/api/v1/inventory"
        answers.append(httpx.post(url, content=body, headers=headers, timeout=300))

    test_id = uuid.uuid4().hex
    during: list[int] = []
    sender = threading.Thread(target=post_inventory)
    sender.start()
    while sender.is_alive():
        during.append(collector.write(token_b, test_id, timeout=DEADLINE).status_code)
    sender.join()
    [inventory] = answers
    assert inventory.status_code == 200, inventory.text
    assert inventory.json()["appeared"] == 40_002  # the devices, the host, its LAN host: all
    assert len(during) >= 3 and set(during) == {204}
    wait_until(lambda: bool(collector.prometheus.series(f'ictinfra_isolation{{test="{test_id}"}}')),
               30, "site B's samples in Prometheus")  # fmt: skip


@pytest.fixture
def many_descriptors() -> Iterator[None]:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < IDLE_SOCKETS + 200:
        pytest.skip(f"the test needs {IDLE_SOCKETS + 200} descriptors, the hard limit is {hard}")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, IDLE_SOCKETS + 200), hard))
    yield
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def _closed_by_server(sock: socket.socket) -> bool:
    sock.settimeout(60)  # generous: the header timeout is 2 s
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True


def test_1100_idle_sockets_cannot_lock_out_a_valid_write(
    collector: Collector, many_descriptors: None
) -> None:
    token = collector.token("06655")
    idle = [socket.create_connection(("127.0.0.1", collector.port)) for _ in range(IDLE_SOCKETS)]
    try:
        started = time.monotonic()
        answer = collector.write(token, uuid.uuid4().hex, timeout=DEADLINE)
        elapsed = time.monotonic() - started
        assert answer.status_code == 204, answer.text
        assert elapsed < DEADLINE
        assert all(_closed_by_server(sock) for sock in idle[-20:])  # evicted or timed out
    finally:
        for sock in idle:
            sock.close()
    assert collector.write(token, uuid.uuid4().hex).status_code == 204


def test_trickled_headers_are_cut_off_at_the_header_timeout(collector: Collector) -> None:
    with socket.create_connection(("127.0.0.1", collector.port)) as sock:
        sock.sendall(b"POST /api/v1/write HTTP/1.1\r\nHost: collector\r\n")
        closed = False
        for n in range(120):  # a header line every 0.25 s, for up to 30 s
            try:
                sock.sendall(b"X-Slow-%d: 1\r\n" % n)
            except (BrokenPipeError, ConnectionResetError):
                closed = True
                break
            time.sleep(0.25)
        assert closed or _closed_by_server(sock)


def _held_request(collector: Collector, token: str) -> socket.socket:
    """A write whose body never finishes: it holds one of its site's slots."""
    sock = socket.create_connection(("127.0.0.1", collector.port))
    sock.sendall(
        b"POST /api/v1/write HTTP/1.1\r\nHost: collector\r\nContent-Length: 1000\r\n"
        b"Content-Encoding: snappy\r\nContent-Type: application/x-protobuf\r\n"
        b"Authorization: Bearer " + token.encode() + b"\r\n\r\n" + b"\x00" * 10
    )
    return sock


def test_one_site_over_its_request_limit_gets_429_and_others_are_served(
    collector: Collector,
) -> None:
    greedy, other = collector.token("193"), collector.token("22")
    held = [_held_request(collector, greedy) for _ in range(2)]
    try:
        wait_until(
            lambda: collector.write(greedy, "x").status_code == 429, 30, "greedy site at 429"
        )
        refused = collector.write(greedy, uuid.uuid4().hex)
        assert refused.status_code == 429 and refused.headers["retry-after"] == "1"
        assert "max_requests_in_flight_per_site" in refused.text
        assert collector.write(other, uuid.uuid4().hex).status_code == 204
    finally:
        for sock in held:
            sock.close()
    wait_until(lambda: collector.write(greedy, "y").status_code == 204, 30, "greedy site served")
