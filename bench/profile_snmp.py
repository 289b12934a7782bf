"""Where the agent's SNMP CPU goes, and what a lean BER decoder buys on the same bytes.

    python3 bench/profile_snmp.py [--devices 24] [--rounds 3] [--top 25]
        [--out bench/results/profile_snmp]

1. cProfile (timer: process CPU time) of `poll_targets()` over the devices of
   bench/snmpsite.py (snmpsim in its own process, so only the poller is profiled), once per
   codec: `pysnmp` (pyasn1 decoding through pysnmp's v1arch dispatcher) and `lean` (the
   agent's own BER codec, agent/collectors/snmp/ber.py). Own time (tottime) is summed per
   layer: pyasn1, pysnmp, the agent's codec, walk and parse, asyncio, C builtins.
2. Decode only: every GetResponse datagram of one poll is captured, then decoded N times by
   (a) pyasn1 as pysnmp does it (`decoder.decode(msg, asn1Spec=v2c.Message())` + varbinds to
   plain Python), (b) `ber.decode_response` with `decode_oid` as it was before its prefix cache
   (proposal C) and (c) `ber.decode_response` as it is. The results are compared value by value
   (differential check) before anything is timed.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import pstats
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from snmpsite import Site

from agent.collectors.snmp import ber, lean
from agent.collectors.snmp.client import SnmpClient
from agent.collectors.snmp.poller import DeviceState, poll_targets
from agent.config.snmp import SnmpConfig
from agent.validation import validate

LAYERS = (
    ("pyasn1", "/pyasn1/"),
    ("pysnmp", "/pysnmp/"),
    ("agent codec (ber.py, lean.py)", "/agent/collectors/snmp/ber.py"),
    ("agent codec (ber.py, lean.py)", "/agent/collectors/snmp/lean.py"),
    ("agent walk (walk.py, poller.py)", "/agent/collectors/snmp/walk.py"),
    ("agent walk (walk.py, poller.py)", "/agent/collectors/snmp/poller.py"),
    ("agent parse (ifmib.py, decode.py, model)", "/agent/"),
    ("asyncio + selectors", "/asyncio/"),
    ("asyncio + selectors", "selectors.py"),
)


def layer_of(filename: str, function: str) -> str:
    for layer, marker in LAYERS:
        if marker in filename:
            return layer
    if filename == "~":
        return "builtins (C) called from " + ("socket" if "sock" in function else "Python code")
    return "other Python"


def config_for(site: Site, codec: str) -> SnmpConfig:
    return validate(
        SnmpConfig, {"targets": site.agent_targets(), "concurrency": 16, "codec": codec}
    )


async def polls(config: SnmpConfig, rounds: int, profiler: cProfile.Profile | None) -> int:
    client = SnmpClient(config.codec)
    states: dict[str, DeviceState] = {}
    varbinds = 0
    try:
        await poll_targets(client, config, config.targets, states)  # warm-up: sessions, imports
        if profiler:
            profiler.enable()
        for _ in range(rounds):
            results = await poll_targets(client, config, config.targets, states)
            varbinds += sum(r.stats.varbinds for r in results)
        if profiler:
            profiler.disable()
    finally:
        client.close()
    return varbinds


def profile(site: Site, codec: str, rounds: int, top: int) -> dict[str, Any]:
    profiler = cProfile.Profile(time.process_time)  # CPU time: waiting in epoll is not cost
    config = config_for(site, codec)
    cpu0 = time.process_time()
    varbinds = asyncio.run(polls(config, rounds, profiler))
    cpu = time.process_time() - cpu0
    stats = pstats.Stats(profiler)
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    total = sum(entry[2] for entry in raw.values())
    layers: dict[str, float] = defaultdict(float)
    for (filename, _line, function), entry in raw.items():
        layers[layer_of(filename, function)] += entry[2]
    ranked = sorted(raw.items(), key=lambda item: item[1][2], reverse=True)[:top]
    return {
        "codec": codec,
        "rounds": rounds,
        "varbinds": varbinds,
        "cpu_s_with_profiler": round(cpu, 3),
        "profiled_s": round(total, 3),
        "layers_percent": {
            k: round(100 * v / total, 1) for k, v in sorted(layers.items(), key=lambda i: -i[1])
        },
        "top": [
            {
                "function": f"{_short(filename)}:{line}({function})",
                "tottime_s": round(entry[2], 3),
                "cumtime_s": round(entry[3], 3),
                "calls": entry[1],
                "percent": round(100 * entry[2] / total, 1),
            }
            for (filename, line, function), entry in ranked
        ],
    }


def _short(filename: str) -> str:
    for marker in ("site-packages/", "python3.11/", "/snmpbench/"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename


# --- decode-only comparison on captured responses ---------------------------------------------


def capture(site: Site) -> list[bytes]:
    """Every response datagram of one lean-codec poll of all devices."""
    captured: list[bytes] = []
    original = lean.LeanTransport.datagram_received

    def keep(self: lean.LeanTransport, data: bytes, addr: tuple[str, int]) -> None:
        captured.append(data)
        original(self, data, addr)

    lean.LeanTransport.datagram_received = keep  # type: ignore[method-assign]
    try:
        asyncio.run(polls(config_for(site, "lean"), 0, None))
    finally:
        lean.LeanTransport.datagram_received = original  # type: ignore[method-assign]
    return captured


def pyasn1_decoder() -> Any:
    """pysnmp's v1arch receive path: BER -> pyasn1 Message -> PDU -> varbinds -> plain."""
    from pyasn1.codec.ber import decoder
    from pysnmp.proto import api

    from agent.collectors.snmp.pysnmp_sessions import plain_value

    module = api.PROTOCOL_MODULES[api.SNMP_VERSION_2C]

    def decode(data: bytes) -> tuple[int, list[tuple[str, Any]]]:
        message, _ = decoder.decode(data, asn1Spec=module.Message())
        pdu = module.apiMessage.get_pdu(message)
        varbinds = [
            (".".join(map(str, oid.asTuple())), plain_value(value))
            for oid, value in module.apiPDU.get_varbinds(pdu)
        ]
        return int(module.apiPDU.get_request_id(pdu)), varbinds

    return decode


def lean_decode(data: bytes) -> tuple[int, list[tuple[str, Any]]]:
    message = ber.decode_response(data)
    return message.request_id, message.varbinds


def lean_uncached_decode(data: bytes) -> tuple[int, list[tuple[str, Any]]]:
    """The lean decoder as it was before its OID prefix cache (proposal C, adopted)."""
    ber.decode_oid = ber._decode_oid_text
    try:
        return lean_decode(data)
    finally:
        ber.decode_oid = CACHED_DECODE_OID


CACHED_DECODE_OID = ber.decode_oid


def decode_bench(datagrams: list[bytes], repeat: int) -> dict[str, Any]:
    slow = pyasn1_decoder()
    mismatches = uncached_mismatches = 0
    varbinds = 0
    for data in datagrams:
        expected, got = slow(data), lean_decode(data)
        varbinds += len(got[1])
        if expected != got:
            mismatches += 1
        if lean_uncached_decode(data) != expected:
            uncached_mismatches += 1
    figures: dict[str, Any] = {
        "datagrams": len(datagrams),
        "bytes": sum(map(len, datagrams)),
        "varbinds": varbinds,
        "differential_mismatches": mismatches,
        "differential_mismatches_uncached_oid": uncached_mismatches,
    }
    for name, decode, times in (
        ("pyasn1", slow, 1),
        ("lean_uncached_oid", lean_decode, repeat),
        ("lean", lean_decode, repeat),
    ):
        if name == "lean_uncached_oid":
            ber.decode_oid = ber._decode_oid_text
        cpu0 = time.process_time()
        for _ in range(times):
            for data in datagrams:
                decode(data)
        cpu = (time.process_time() - cpu0) / times
        ber.decode_oid = CACHED_DECODE_OID
        figures[f"{name}_cpu_s"] = round(cpu, 4)
        figures[f"{name}_us_per_varbind"] = round(1e6 * cpu / varbinds, 2)
    figures["speedup"] = round(figures["pyasn1_cpu_s"] / figures["lean_cpu_s"], 1)
    figures["speedup_uncached_oid"] = round(
        figures["pyasn1_cpu_s"] / figures["lean_uncached_oid_cpu_s"], 1
    )
    return figures


def markdown(profiles: list[dict[str, Any]], decode: dict[str, Any], top: int) -> str:
    lines = ["### Own time per layer (cProfile tottime, % of the profiled poll)", ""]
    names = [p["codec"] for p in profiles]
    layers = sorted({k for p in profiles for k in p["layers_percent"]})
    lines += ["| layer | " + " | ".join(f"codec: {n}" for n in names) + " |"]
    lines += ["|---|" + "---:|" * len(names)]
    for layer in layers:
        cells = [str(p["layers_percent"].get(layer, 0.0)) for p in profiles]
        lines.append(f"| {layer} | " + " | ".join(cells) + " |")
    lines.append(
        "| profiled seconds / varbinds | "
        + " | ".join(f"{p['profiled_s']} s / {p['varbinds']}" for p in profiles)
        + " |"
    )
    for p in profiles:
        lines += ["", f"### Top {top} functions by own time, codec: {p['codec']}", ""]
        lines += ["| function | tottime s | cumtime s | calls | % |", "|---|---:|---:|---:|---:|"]
        for row in p["top"]:
            lines.append(
                f"| `{row['function']}` | {row['tottime_s']} | {row['cumtime_s']} | "
                f"{row['calls']} | {row['percent']} |"
            )
    lines += [
        "",
        "### Decode only, same captured GetResponse datagrams",
        "",
        f"{decode['datagrams']} datagrams, {decode['bytes']} bytes, {decode['varbinds']} varbinds; "
        f"differential mismatches pyasn1 vs lean: {decode['differential_mismatches']}, "
        f"vs lean without the OID prefix cache: {decode['differential_mismatches_uncached_oid']}",
        "",
        "| decoder | CPU s for all | µs per varbind |",
        "|---|---:|---:|",
        f"| pyasn1 (pysnmp v1arch path) | {decode['pyasn1_cpu_s']} | "
        f"{decode['pyasn1_us_per_varbind']} |",
        f"| lean without the OID prefix cache (before proposal C) | "
        f"{decode['lean_uncached_oid_cpu_s']} | {decode['lean_uncached_oid_us_per_varbind']} |",
        f"| lean (agent/collectors/snmp/ber.py, prefix-cached decode_oid) | "
        f"{decode['lean_cpu_s']} | {decode['lean_us_per_varbind']} |",
        f"| speed-up over pyasn1 | {decode['speedup_uncached_oid']}× (uncached OIDs), "
        f"{decode['speedup']}× (lean) | |",
    ]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--devices", type=int, default=24)
    parser.add_argument("--max-interfaces", type=int, default=48)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=5, help="lean decode repetitions")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--out", help="write <out>.json and <out>.md")
    args = parser.parse_args()
    with Site(args.devices, args.max_interfaces) as site:
        profiles = [profile(site, codec, args.rounds, args.top) for codec in ("pysnmp", "lean")]
        datagrams = capture(site)
    decode = decode_bench(datagrams, args.repeat)
    table = markdown(profiles, decode, args.top)
    print(table)
    if args.out:
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        body = {"command": "python3 " + " ".join(sys.argv), "profiles": profiles, "decode": decode}
        out.with_suffix(".json").write_text(json.dumps(body, indent=1) + "\n")
        out.with_suffix(".md").write_text(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
