"""Sites CSV (`code,name,level,parent_code,staff,offices`) and unit mapping CSV (old_code,new_code).

Pure parsing: every bad row is reported with its line number, and nothing is returned unless the
whole file is good, so an import is all or nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from agent.errors import IctinfraError

SITE_COLUMNS = ("code", "name", "level", "parent_code", "staff", "offices")
OPTIONAL_SITE_COLUMNS = ("valid_from", "valid_to")
MAPPING_COLUMNS = ("old_code", "new_code")
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$")
# a level names a label on every series of the units below it
LEVEL_RE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
RESERVED_LEVELS = frozenset({"site", "job", "instance"})
UnitTree = Mapping[str, tuple[str | None, str]]  # code -> (parent_code, level)


class CsvError(IctinfraError):
    """A CSV file with bad rows; `problems` holds one line per problem, with its line number."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: " + "; ".join(problems))


@dataclass(frozen=True, slots=True)
class UnitRow:
    line: int
    code: str
    name: str
    level: str
    parent_code: str | None
    staff: int | None
    offices: int | None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None


def csv_rows(
    text: str,
    source: str,
    required: tuple[str, ...],
    optional: tuple[str, ...],
    more_columns: bool = False,
) -> Iterable[tuple[int, dict[str, str]]]:
    """(line, row) of a CSV with a header; CsvError for a bad header or a row too long.
    `more_columns`: columns beyond `required` and `optional` are allowed (and returned)."""
    reader = csv.DictReader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    header = [name.strip() for name in reader.fieldnames or []]
    missing = [name for name in required if name not in header]
    unknown = [] if more_columns else [n for n in header if n not in required + optional]
    if missing or unknown:
        problems = [f"line 1: missing column {name!r}" for name in missing]
        problems += [f"line 1: unknown column {name!r}" for name in unknown]
        problems.append(f"line 1: the header must be {','.join(required)}")
        raise CsvError(source, problems)
    reader.fieldnames = header
    for row in reader:
        if None in row:
            raise CsvError(source, [f"line {reader.line_num}: more fields than columns"])
        yield reader.line_num, {key: (value or "").strip() for key, value in row.items()}


def read_csv_file(path: str) -> str:
    """A CSV file's text; CsvError naming the line of the first byte that is not UTF-8."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise CsvError(path, [f"cannot read: {exc.strerror}"]) from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise CsvError(
            path, [f"line {line}: not UTF-8 (byte {exc.start}): save the file as UTF-8"]
        ) from None


def _count(value: str, column: str) -> int | None:
    if not value:
        return None
    if not value.isdigit():
        raise ValueError(f"{column} must be a whole number ≥ 0, not {value!r}")
    return int(value)


def _date(value: str, column: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{column} must be a date like 2025-07-01, not {value!r}") from None


def _unit(line: int, row: dict[str, str]) -> UnitRow:
    if not CODE_RE.match(row["code"]):
        raise ValueError(f"code {row['code']!r} must be 1-32 letters, digits, '_', '.' or '-'")
    if not row["name"]:
        raise ValueError("name is empty")
    level = row["level"]
    if not LEVEL_RE.match(level) or level in RESERVED_LEVELS:
        raise ValueError(
            f"level {level!r} must be a lowercase label name (e.g. province, district, commune)"
            " and not site, job or instance"
        )
    parent = row["parent_code"] or None
    if parent == row["code"]:
        raise ValueError("a unit cannot be its own parent")
    return UnitRow(
        line=line,
        code=row["code"],
        name=row["name"],
        level=level,
        parent_code=parent,
        staff=_count(row["staff"], "staff"),
        offices=_count(row["offices"], "offices"),
        valid_from=_date(row.get("valid_from", ""), "valid_from"),
        valid_to=_date(row.get("valid_to", ""), "valid_to"),
    )


def _chain_problem(row: UnitRow, tree: UnitTree) -> str | None:
    """What is wrong with the chain of parents above `row`, or None."""
    if row.parent_code is not None and row.parent_code not in tree:
        return f"parent_code {row.parent_code!r} is not a unit"
    levels, code, visited = [row.level], row.parent_code, {row.code}
    while code is not None and code in tree:
        if code in visited:
            return f"{row.code!r} is its own ancestor (a cycle)"
        visited.add(code)
        parent, level = tree[code]
        if level in levels:
            return (
                f"{row.code!r}: level {level!r} twice on its chain of parents"
                " (each level becomes one label)"
            )
        levels.append(level)
        code = parent
    return None


def tree_problems(rows: Iterable[UnitRow], existing: UnitTree) -> list[tuple[int, str]]:
    """Parents exist (stored in `existing`, or in the file), no cycles, no level twice on one
    chain (each level becomes one label): (line, `line N: ...`) for each broken row."""
    rows = list(rows)
    tree = {**existing, **{row.code: (row.parent_code, row.level) for row in rows}}
    return [
        (row.line, f"line {row.line}: {problem}")
        for row in rows
        if (problem := _chain_problem(row, tree))
    ]


def parse_sites_csv(
    text: str, source: str = "sites.csv", existing: UnitTree | None = None
) -> list[UnitRow]:
    """The rows of a sites CSV; CsvError listing every bad row (line numbers count the header).

    With `existing` (the units already stored), broken parent links (unknown parent, a cycle, a
    level twice on a chain) are reported in the same list, in line order."""
    units: list[UnitRow] = []
    problems: list[tuple[int, str]] = []
    seen: dict[str, int] = {}
    unreadable: dict[str, tuple[str | None, str]] = {}  # bad rows' codes: still parents
    for line, row in csv_rows(text, source, SITE_COLUMNS, OPTIONAL_SITE_COLUMNS):
        try:
            unit = _unit(line, row)
        except ValueError as exc:
            problems.append((line, f"line {line}: {exc}"))
            unreadable.setdefault(row["code"], (row["parent_code"] or None, row["level"]))
            continue
        if unit.code in seen:
            problems.append(
                (line, f"line {line}: code {unit.code!r} already on line {seen[unit.code]}")
            )
            continue
        seen[unit.code] = line
        units.append(unit)
    if existing is not None:
        problems += tree_problems(units, {**existing, **unreadable})
    if problems:
        raise CsvError(source, [message for _, message in sorted(problems, key=lambda p: p[0])])
    if not units:
        raise CsvError(source, ["no units in the file"])
    return units


def parse_mapping_csv(text: str, source: str = "mapping.csv") -> list[tuple[int, str, str]]:
    """(line, old_code, new_code) rows of a unit mapping CSV; CsvError on bad rows."""
    pairs: list[tuple[int, str, str]] = []
    problems: list[str] = []
    for line, row in csv_rows(text, source, MAPPING_COLUMNS, ()):
        old, new = row["old_code"], row["new_code"]
        if not old or not new:
            problems.append(f"line {line}: old_code and new_code are both required")
        elif old == new:
            problems.append(f"line {line}: {old!r} cannot succeed itself")
        else:
            pairs.append((line, old, new))
    if problems:
        raise CsvError(source, problems)
    return pairs


def format_sites_csv(units: Iterable[UnitRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(SITE_COLUMNS + OPTIONAL_SITE_COLUMNS)
    for unit in units:
        writer.writerow(
            [
                unit.code,
                unit.name,
                unit.level,
                unit.parent_code or "",
                "" if unit.staff is None else unit.staff,
                "" if unit.offices is None else unit.offices,
                unit.valid_from.isoformat() if unit.valid_from else "",
                unit.valid_to.isoformat() if unit.valid_to else "",
            ]
        )
    return out.getvalue()
