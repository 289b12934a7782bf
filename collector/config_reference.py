"""`python -m collector.config_reference` writes docs/config-reference.md from the models of the
agent's config (dataclass Sections), the collector's config, the ranking methodology and the
obsolescence rules (pydantic models); `--check` exits 1 when the committed file differs from what
the models give (or a key has no description).

One section per table of the file (a nested model), every key with its type, default and its
description (a Section's `key(doc=...)`, a pydantic Field's `description=`). Secrets show as
`<secret>`. A model met again under another key (the twelve `queries`, `log` in both configs) is
described once and named where it recurs.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import sys
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from annotated_types import Ge, Gt, Le, MaxLen, MinLen
from pydantic import BaseModel

from agent.config import AgentConfig
from agent.config import types as value_types
from agent.config.bandwidth import _duration_or_zero
from agent.config.lan import Cidr
from agent.config.schema import DOC, is_section
from agent.config.snmp import _check_address
from agent.config.suggest import model_keys
from agent.config.types import Secret
from agent.config.web import check_listen
from collector.config import CollectorConfig
from collector.obsolete.rules import Rules, parse_bit_rate
from collector.ranking.methodology import Methodology

OUTPUT = Path(__file__).resolve().parents[1] / "docs" / "config-reference.md"

Model = type[Any]  # a pydantic model (the collector's files) or an agent config Section

ROOTS: tuple[tuple[str, str, Model, str], ...] = (
    (
        "agent",
        "Agent config",
        AgentConfig,
        "`ictinfra-agent run|once --config FILE`, `check-config FILE`; examples:"
        " `deploy/agent.example.yaml` (a real site), `deploy/agent.local.yaml` (loopback only).",
    ),
    (
        "collector",
        "Collector config",
        CollectorConfig,
        "every `ictinfra-collector` command's `--config FILE` (or `$ICTINFRA_COLLECTOR_CONFIG`);"
        " example: `deploy/collector.example.yaml`.",
    ),
    (
        "methodology",
        "Ranking methodology",
        Methodology,
        "`ictinfra-collector rank --methodology FILE`; the shipped one is"
        " `collector/ranking/data/ictinfra-default-2026.yaml` (docs/methodology.md explains it).",
    ),
    (
        "obsolete",
        "Obsolescence rules",
        Rules,
        "the collector's `obsolete.rules_file` and `obsolete.overrides` files; the shipped ones"
        " are `collector/obsolete/data/default-rules.yaml` (docs/obsolete.md explains them). A"
        " province's or a site's file overrides the rules above it key by key.",
    ),
)

_VALIDATOR_TYPES = {
    value_types.parse_duration: "duration",
    value_types.parse_byte_size: "size",
    _duration_or_zero: "duration or 0",
    check_listen: "host:port",
    parse_bit_rate: "bit rate",
    _check_address: "host[:port]",
}
_PLAIN: dict[Any, str] = {
    str: "string", int: "integer", float: "number", bool: "boolean", dt.date: "date"
}  # fmt: skip
_CIDR_CHECK = typing.get_args(Cidr)[1].func

HEADER = """# Configuration reference

Generated from the config models by `python -m collector.config_reference` (do not edit by
hand; `python -m collector.config_reference --check` is a test). Every file is YAML; an unknown
key is an error naming its line (`ictinfra-agent check-config FILE` prints them all).

Types: *duration* is `500ms`, `15s`, `5m`, `1h`, `1d`, combined (`1m30s`) or plain seconds;
*size* is `512MiB`, `1GB`, `4096` (bytes); *bit rate* is `100Mbit/s`, `1Gbit/s`; *date* is
`YYYY-MM-DD`; *secret* is text that prints as `<secret>` in every
log, error and dump; *list of X* is a YAML list; *map* a YAML mapping. *required*: the key must
be there. `a | b` lists the allowed values.
"""


@dataclass
class Section:
    anchor: str
    paths: list[str]
    doc: str
    rows: list[tuple[str, str, str, str]] = field(default_factory=list)

    @property
    def title(self) -> str:
        if not self.paths[0]:
            return "top level"
        parents = {path.rpartition(".")[0] for path in self.paths}
        if len(self.paths) > 3 and len(parents) == 1:
            return f"`{parents.pop()}.<each>`"
        return ", ".join(f"`{path}`" for path in self.paths)

    @property
    def each(self) -> str:
        """The keys a `<each>` title stands for."""
        if not self.title.endswith(".<each>`"):
            return ""
        names = ", ".join(f"`{path.rpartition('.')[2]}`" for path in self.paths)
        return f"The same keys for each of {names}."


@dataclass
class Walk:
    root: str
    sections: list[Section] = field(default_factory=list)
    seen: dict[Model, Section] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)


def _anchor(root: str, path: str) -> str:
    cleaned = "-".join("".join(c if c.isalnum() else " " for c in path).split())
    return f"{root}-{cleaned or 'top'}"


def _is_model(annotation: Any) -> bool:
    return is_section(annotation) or (
        isinstance(annotation, type) and issubclass(annotation, BaseModel)
    )


@dataclass
class Key:
    """One key of a model, the same for a pydantic field and a Section's dataclass field."""

    name: str
    annotation: Any
    metadata: list[Any]
    description: str
    required: bool
    default: Any = None


def keys_of(model: Model) -> list[Key]:
    if is_section(model):
        hints = model_keys(model) or {}
        return [_section_key(f, hints[f.name]) for f in dataclasses.fields(model)]
    return [
        Key(
            name,
            info.annotation,
            list(info.metadata),
            info.description or "",
            info.is_required(),
            None if info.is_required() else info.get_default(call_default_factory=True),
        )
        for name, info in model.model_fields.items()
    ]


def _section_key(item: dataclasses.Field[Any], hint: Any) -> Key:
    annotation, metadata = hint, []
    if typing.get_origin(hint) is typing.Annotated:
        annotation, metadata = typing.get_args(hint)[0], list(hint.__metadata__)
    required = item.default is dataclasses.MISSING and item.default_factory is dataclasses.MISSING
    if required:
        default = None
    elif item.default is not dataclasses.MISSING:
        default = item.default
    else:
        default = item.default_factory()  # type: ignore[operator]
    return Key(item.name, annotation, metadata, item.metadata.get(DOC, ""), required, default)


def _models_in(annotation: Any) -> Iterator[Model]:
    if _is_model(annotation):
        yield annotation
        return
    for argument in typing.get_args(annotation):
        yield from _models_in(argument)


def _constraints(metadata: list[Any]) -> str:
    words = []
    for item in metadata:
        if isinstance(item, Ge):
            words.append(f"≥ {item.ge}")
        elif isinstance(item, Gt):
            words.append(f"> {item.gt}")
        elif isinstance(item, Le):
            words.append(f"≤ {item.le}")
        elif isinstance(item, MinLen) and item.min_length > 1:
            words.append(f"at least {item.min_length}")
        elif isinstance(item, MaxLen):
            words.append(f"at most {item.max_length}")
    return f" ({', '.join(words)})" if words else ""


def _validated_as(metadata: Any) -> str | None:
    for item in metadata:
        func = getattr(item, "func", None)  # a BeforeValidator (pydantic) or a Before marker
        if func is _CIDR_CHECK:
            return "IPv4 subnet"
        if func in _VALIDATOR_TYPES:
            return _VALIDATOR_TYPES[func]
    return None


def type_text(annotation: Any, metadata: Any = ()) -> str:
    """An annotation as words: `duration`, `list of host:port`, `1 | 2c | 3 or null`."""
    named = _validated_as(metadata)
    if named:
        return named
    if typing.get_origin(annotation) is typing.Annotated:
        inner = list(annotation.__metadata__)
        return type_text(typing.get_args(annotation)[0], inner) + _constraints(inner)
    composite = _composite_text(annotation)
    if composite is not None:
        return composite
    if annotation is Secret:
        return "secret"
    if _is_model(annotation):
        return "table"
    return _PLAIN.get(annotation, getattr(annotation, "__name__", str(annotation)))


def _composite_text(annotation: Any) -> str | None:
    origin = typing.get_origin(annotation)
    arguments = typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        rest = [a for a in arguments if a is not type(None)]
        text = " or ".join(type_text(a) for a in rest)
        return f"{text} or null" if len(rest) < len(arguments) else text
    if origin is typing.Literal:
        return " \\| ".join(str(a) for a in arguments)
    if origin in (tuple, list):
        return f"list of {type_text(arguments[0])}"
    if origin is dict:
        return f"map of {type_text(arguments[0])} → {type_text(arguments[1])}"
    return None


def _duration(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{int(seconds * 1000)}ms" if seconds < 1 else f"{seconds:g}s"


def _size(count: int) -> str:
    for unit, size in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if count % size == 0:
            return f"{count // size}{unit}"
    for unit, size in (("GB", 10**9), ("MB", 10**6), ("kB", 10**3)):
        if count % size == 0:
            return f"{count // size}{unit}"
    return str(count)


def value_text(value: Any, kind: str) -> str:
    """A default as it would be written in the YAML file."""
    if isinstance(value, BaseModel):
        value = value.model_dump(exclude_defaults=True)
    if isinstance(value, tuple | list):
        inner = kind.removeprefix("list of ")
        return "[" + ", ".join(value_text(item, inner) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {value_text(v, '')}" for k, v in value.items()) + "}"
    return _scalar_text(value, kind)


def _scalar_text(value: Any, kind: str) -> str:
    words = {None: "null", True: "true", False: "false", "": '""'}
    if isinstance(value, Secret):
        return "<secret>"
    if isinstance(value, bool | None | str) and value in words:
        return words[value]
    if isinstance(value, float | int) and kind.startswith("duration"):
        return _duration(float(value)) if value else "0s"
    if isinstance(value, int) and kind.startswith("size"):
        return _size(value)
    return f"{value:g}" if isinstance(value, float) else str(value)


def default_text(key: Key, kind: str) -> str:
    if key.required:
        return "*required*"
    if _is_model(type(key.default)):
        return "(table)"
    return f"`{value_text(key.default, kind)}`"


def _child_path(path: str, name: str, annotation: Any) -> str:
    key = f"{path}.{name}" if path else name
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        rest = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _child_path(path, name, rest[0]) if len(rest) == 1 else key
    if origin in (tuple, list):
        return key + "[]"
    if origin is dict:
        return key + ".<key>"
    return key


def walk_model(walk: Walk, model: Model, path: str) -> Section:
    """Describe `model` at `path` (once per model per root), then the tables it holds."""
    if model in walk.seen:
        walk.seen[model].paths.append(path)
        return walk.seen[model]
    section = Section(_anchor(walk.root, path), [path], (model.__doc__ or "").strip())
    walk.seen[model] = section
    walk.sections.append(section)
    nested: list[tuple[Model, str, int]] = []
    for key in keys_of(model):
        kind = type_text(key.annotation, key.metadata) + _constraints(key.metadata)
        if not key.description:
            walk.missing.append(f"{model.__module__}.{model.__qualname__}.{key.name}")
        for child in _models_in(key.annotation):
            nested.append((child, _child_path(path, key.name, key.annotation), len(section.rows)))
        section.rows.append((key.name, kind, default_text(key, kind), key.description))
    for child, child_path, row in nested:
        target = walk_model(walk, child, child_path)
        name, kind, default, description = section.rows[row]
        linked = kind.replace("table", f"[table](#{target.anchor})", 1)
        section.rows[row] = (name, linked, default, description)
    return section


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ") if "\\|" not in text else text


def render() -> tuple[str, list[str]]:
    """The whole page, and every key that has no description."""
    parts = [HEADER]
    missing: list[str] = []
    for root, heading, model, usage in ROOTS:
        walk = Walk(root)
        walk_model(walk, model, "")
        missing += walk.missing
        parts.append(f'\n<a id="{root}"></a>\n\n## {heading}\n\n{usage}\n')
        for section in walk.sections:
            parts.append(f'\n<a id="{section.anchor}"></a>\n\n### {heading}: {section.title}\n')
            doc = " ".join([*section.doc.split(), *section.each.split()])
            if doc:
                parts.append(f"\n{doc}\n")
            parts.append("\n| key | type | default | meaning |\n|---|---|---|---|\n")
            parts += [
                f"| `{name}` | {_cell(kind)} | {_cell(default)} | {_cell(text)} |\n"
                for name, kind, default, text in section.rows
            ]
    return "".join(parts), missing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m collector.config_reference", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--check", action="store_true", help="exit 1 if the file is stale")
    parser.add_argument("--out", type=Path, default=OUTPUT, help=f"default {OUTPUT}")
    args = parser.parse_args(argv)
    text, missing = render()
    for key in missing:
        print(f"no description: {key}", file=sys.stderr)
    if args.check:
        current = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
        if current != text:
            print(f"{args.out} is stale: run `python -m collector.config_reference`",
                  file=sys.stderr)  # fmt: skip
            return 1
        return 1 if missing else 0
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
