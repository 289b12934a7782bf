"""Load YAML, keep each key's line, validate with pydantic, report every bad key by line.

A model is a pydantic model (the collector's files) or an agent config Section (a dataclass that
pydantic validates here, and only here: agent/config/schema.py)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, runtime_checkable

from agent.config.suggest import did_you_mean, known_keys
from agent.errors import ConfigError
from agent.validation import validate

if TYPE_CHECKING:
    import yaml
    from pydantic import ValidationError

Location = tuple[str | int, ...]
ModelT = TypeVar("ModelT")
_UNKNOWN_KEY = ("extra_forbidden", "unexpected_keyword_argument")
_MISSING_KEY = ("missing", "missing_keyword_argument")


@runtime_checkable
class CrossChecked(Protocol):
    """A model whose keys refer to each other (a name defined in another section)."""

    def reference_problems(self) -> list[tuple[Location, str]]:
        """Every broken reference, as (where, what is wrong); empty when all resolve."""
        ...


def _index_lines(node: yaml.Node, path: Location, lines: dict[Location, int]) -> None:
    import yaml

    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            lines[(*path, key)] = key_node.start_mark.line + 1
            _index_lines(value_node, (*path, key), lines)
            lines[(*path, key)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _index_lines(item, (*path, i), lines)


def _line_of(loc: Location, lines: dict[Location, int]) -> int | None:
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return None


def _dotted(loc: Location) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def _describe(error: Any, loc: Location, model: type[Any]) -> str:
    if error["type"] in _UNKNOWN_KEY:
        return "unknown key" + did_you_mean(loc[-1], known_keys(model, loc[:-1]))
    if error["type"] in _MISSING_KEY:
        return "required key is missing"
    return str(error["msg"]).removeprefix("Value error, ")


def format_problems(
    exc: ValidationError, lines: dict[Location, int], model: type[Any]
) -> list[str]:
    """One line per bad key: `line N: snmp.targets[0].version: unknown key`. Never the value.

    An unknown key names the closest key `model` allows there (`did you mean `x`?`)."""
    problems: list[tuple[Location, str]] = []
    for error in exc.errors(include_input=False, include_url=False):
        loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and "[" in p))
        problems.append((loc, _describe(error, loc, model)))
    return format_located(problems, lines)


def format_located(problems: list[tuple[Location, str]], lines: dict[Location, int]) -> list[str]:
    """`line N: where: what` for each problem, in the file's order."""
    found: list[tuple[int, str]] = []
    for loc, message in problems:
        line = _line_of(loc, lines)
        where = f"line {line}: " if line else ""
        found.append((line or 0, f"{where}{_dotted(loc)}: {message}"))
    return [text for _, text in sorted(found, key=lambda item: item[0])]


_OPENERS = {
    "while parsing a flow sequence": "`[`",
    "while parsing a flow mapping": "`{`",
    "while scanning a quoted scalar": "quote",
}


def _yaml_problem(exc: yaml.YAMLError) -> str:
    """Where the parser gave up, and where the construct it was reading opened when that differs.

    An unclosed bracket or quote is reported at its own line: that is where the fix goes. The
    line's text is never quoted (it may hold a secret)."""
    mark, problem = getattr(exc, "problem_mark", None), getattr(exc, "problem", None)
    gave_up = f"line {mark.line + 1}: " if mark else ""
    message = f"not valid YAML: {problem or exc}"
    context, opened = getattr(exc, "context", None), getattr(exc, "context_mark", None)
    if opened is None or context is None or (mark is not None and opened.line == mark.line):
        return f"{gave_up}{message}"
    opener = _OPENERS.get(context)
    if opener is None:
        return f"{gave_up}{message} ({context} from line {opened.line + 1})"
    return (
        f"line {opened.line + 1}: not valid YAML: the {opener} at column {opened.column + 1}"
        f" is not closed ({gave_up}{problem})"
    )


def parse_yaml(text: str, source: str) -> tuple[Any, dict[Location, int]]:
    import yaml  # not at the top: the running agent reads no YAML (agent/config/isolated.py)

    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(source, [_yaml_problem(exc)]) from None
    lines: dict[Location, int] = {}
    if node is not None:
        _index_lines(node, (), lines)
    return data if data is not None else {}, lines


def load_model(model: type[ModelT], path: str | Path) -> ModelT:
    """Read `path` and validate it as `model`; ConfigError lists every bad key with its line.

    A CrossChecked model's references are checked once every key is valid, all reported at once."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(source, [f"cannot read: {exc.strerror}"]) from None
    return parse_model(model, text, source)


def parse_model(model: type[ModelT], text: str, source: str) -> ModelT:
    """Validate YAML `text` as `model`, every problem with its line (`source` names the file)."""
    from pydantic import ValidationError

    data, lines = parse_yaml(text, source)
    if not isinstance(data, dict):
        raise ConfigError(source, ["line 1: the top level must be a mapping of keys"])
    try:
        result = validate(model, data)
    except ValidationError as exc:
        raise ConfigError(source, format_problems(exc, lines, model)) from None
    if isinstance(result, CrossChecked) and (broken := result.reference_problems()):
        raise ConfigError(source, format_located(broken, lines))
    return result
