"""Make the SNMP test cases: a small recording per case, and the values the agent must report.

Each case folder holds `case.yaml` (where the recording comes from and how it is served). This
script cuts the recording down to the subtrees the agent polls (system, ifTable, ifXTable,
entPhysicalTable, HOST-RESOURCES, Printer-MIB), at most `max_interfaces` interfaces and
`max_entities` entities, and writes `recording.snmprec` and `expected.json`. The expected values
are read straight from the recording text here, independently of the agent's decoders.

    python3 tests/cases/snmp/extract.py            # every case with a `source:`
    python3 tests/cases/snmp/extract.py CASE ...   # some of them

A case without `source:` (the printer) keeps its hand-written recording; its expected.json is
still derived from that recording.
"""

from __future__ import annotations

import bz2
import datetime as dt
import json
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
SUBTREES = (
    "1.3.6.1.2.1.1.",  # system
    "1.3.6.1.2.1.2.",  # interfaces (ifNumber, ifTable)
    "1.3.6.1.2.1.31.1.1.1.",  # ifXTable
    "1.3.6.1.2.1.47.1.1.1.1.",  # entPhysicalTable
    "1.3.6.1.2.1.25.1.",  # hrSystem
    "1.3.6.1.2.1.25.2.",  # hrStorage
    "1.3.6.1.2.1.25.3.3.1.",  # hrProcessorTable
    "1.3.6.1.2.1.43.",  # Printer-MIB
)
IF_TABLE = "1.3.6.1.2.1.2.2.1."
IFX_TABLE = "1.3.6.1.2.1.31.1.1.1."
ENT_TABLE = "1.3.6.1.2.1.47.1.1.1.1."


def data_dir() -> Path:
    import snmpsim_data

    return Path(snmpsim_data.__file__).resolve().parent / "data"


def read_source(source: str) -> list[str]:
    base = data_dir() / source
    plain = base.with_name(base.name + ".snmprec")
    if plain.exists():
        return plain.read_text(encoding="latin-1").splitlines()
    packed = base.with_name(base.name + ".snmprec.bz2")
    return bz2.decompress(packed.read_bytes()).decode("latin-1").splitlines()


def row_index(oid: str, table: str) -> str:
    """The instance part of a table column OID (after table.column.)."""
    return oid[len(table) :].split(".", 1)[1]


def keep(lines: list[str], max_interfaces: int, max_entities: int) -> list[str]:
    interfaces = sorted(
        {int(row_index(line.split("|")[0], IF_TABLE)) for line in lines if line.startswith(IF_TABLE + "1.")}
    )[:max_interfaces]
    wanted_if = {str(i) for i in interfaces}
    entities = sorted(
        {int(row_index(line.split("|")[0], ENT_TABLE)) for line in lines if line.startswith(ENT_TABLE + "2.")}
    )[:max_entities]
    wanted_ent = {str(i) for i in entities}
    kept = []
    for line in lines:
        oid = line.split("|", 1)[0]
        if not oid.startswith(SUBTREES):
            continue
        if oid.startswith((IF_TABLE, IFX_TABLE)):
            table = IF_TABLE if oid.startswith(IF_TABLE) else IFX_TABLE
            if row_index(oid, table) not in wanted_if:
                continue
        if oid.startswith(ENT_TABLE) and row_index(oid, ENT_TABLE) not in wanted_ent:
            continue
        kept.append(line)
    return kept


def parse(lines: list[str]) -> dict[str, tuple[str, str]]:
    values = {}
    for line in lines:
        oid, tag, value = line.split("|", 2)
        values[oid] = (tag, value)
    return values


def as_bytes(tag: str, value: str) -> bytes:
    return bytes.fromhex(value) if tag.endswith("x") else value.encode("latin-1")


def mfg_date(tag: str, value: str) -> str:
    """RFC 2579 DateAndTime -> ISO 8601, or 'unknown' (wrong length, all zero, out of range)."""
    raw = as_bytes(tag, value)
    if len(raw) not in (8, 11) or not any(raw):
        return "unknown"
    year = raw[0] * 256 + raw[1]
    try:
        moment = dt.datetime(year, raw[2], raw[3], raw[4], raw[5], min(raw[6], 59))
    except ValueError:
        return "unknown"
    if raw[7] > 9 or raw[6] > 60:
        return "unknown"
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if raw[7]:
        text += f".{raw[7]}"
    if len(raw) == 11:
        if chr(raw[8]) not in "+-" or raw[9] > 14 or raw[10] > 59:
            return "unknown"
        text += f"{chr(raw[8])}{raw[9]:02d}:{raw[10]:02d}"
    return text


def text_of(tag: str, value: str) -> str:
    raw = as_bytes(tag, value)
    return raw.decode("utf-8", "replace")


def expected(values: dict[str, tuple[str, str]]) -> dict[str, object]:
    interfaces: dict[str, dict[str, object]] = {}
    for oid, (tag, value) in values.items():
        for table, column, name in (
            (IF_TABLE, "8", "ifOperStatus"),
            (IF_TABLE, "10", "ifInOctets"),
            (IFX_TABLE, "6", "ifHCInOctets"),
            (IFX_TABLE, "15", "ifHighSpeed"),
        ):
            if oid.startswith(f"{table}{column}."):
                interfaces.setdefault(oid[len(table) + len(column) + 1 :], {})[name] = int(value)
    entities: dict[str, dict[str, object]] = {}
    for oid, (tag, value) in values.items():
        for column, name in (("11", "serial"), ("13", "model"), ("17", "mfg_date")):
            if oid.startswith(f"{ENT_TABLE}{column}."):
                index = oid[len(ENT_TABLE) + len(column) + 1 :]
                entry = entities.setdefault(index, {})
                entry[name] = mfg_date(tag, value) if name == "mfg_date" else text_of(tag, value)
    markers = {
        oid.rsplit(".", 2)[-2] + "." + oid.rsplit(".", 1)[-1]: int(value)
        for oid, (tag, value) in values.items()
        if oid.startswith("1.3.6.1.2.1.43.10.2.1.4.")
    }
    storage = "1.3.6.1.2.1.25.2.3.1."
    units = {oid[len(storage) + 2 :]: int(v) for oid, (_, v) in values.items() if oid.startswith(storage + "4.")}
    sizes = {oid[len(storage) + 2 :]: int(v) for oid, (_, v) in values.items() if oid.startswith(storage + "5.")}
    # A value made by an snmpsim variation module (tag "2:numeric") changes on every read: None.
    loads = {
        oid.rsplit(".", 1)[-1]: None if ":" in tag else int(v)
        for oid, (tag, v) in values.items()
        if oid.startswith("1.3.6.1.2.1.25.3.3.1.2.")
    }
    supplies = {
        oid[len("1.3.6.1.2.1.43.11.1.1.9.") :]: int(v)
        for oid, (_, v) in values.items()
        if oid.startswith("1.3.6.1.2.1.43.11.1.1.9.")
    }
    uptime = values.get("1.3.6.1.2.1.1.3.0")
    return {
        "sysObjectID": values.get("1.3.6.1.2.1.1.2.0", ("", ""))[1],
        "sysUpTime": int(uptime[1]) if uptime else None,
        "interfaces": interfaces,
        "entities": entities,
        "unknown_mfg_dates": sum(1 for e in entities.values() if e.get("mfg_date") == "unknown"),
        "has_host_resources": any(oid.startswith("1.3.6.1.2.1.25.") for oid in values),
        "printer_marker_life_count": markers,
        "printer_supply_level": supplies,
        "hr_storage_size_bytes": {i: units[i] * sizes[i] for i in sizes if i in units},
        "hr_processor_load_percent": loads,
    }


def make(case_dir: Path) -> None:
    spec = yaml.safe_load((case_dir / "case.yaml").read_text())
    recording = case_dir / "recording.snmprec"
    if spec.get("source"):
        lines = keep(
            read_source(spec["source"]),
            spec.get("max_interfaces", 40),
            spec.get("max_entities", 30),
        )
        recording.write_text("\n".join(lines) + "\n", encoding="latin-1")
    lines = recording.read_text(encoding="latin-1").splitlines()
    body = expected(parse([line for line in lines if line.strip()]))
    (case_dir / "expected.json").write_text(json.dumps(body, indent=1, sort_keys=True) + "\n")
    print(f"{case_dir.name}: {len(lines)} lines, {len(body['interfaces'])} interfaces")  # type: ignore[arg-type]


def main(names: list[str]) -> None:
    cases = [HERE / n for n in names] if names else sorted(p.parent for p in HERE.glob("*/case.yaml"))
    for case_dir in cases:
        make(case_dir)


if __name__ == "__main__":
    main(sys.argv[1:])
