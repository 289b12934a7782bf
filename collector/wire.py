"""The agent's wire records (agent/wire/inventory.py, plain dataclasses) validated by pydantic.

pydantic reads each dataclass's `__pydantic_config__` (an unknown key is refused as
`unexpected_keyword_argument`) and its `annotated_types` bounds; the adapters are
agent/validation.py's, shared with the config loader.
"""

from __future__ import annotations

from typing import Any

from agent.validation import adapter, validate
from agent.wire.inventory import Inventory


def inventory(data: Any) -> Inventory:
    return validate(Inventory, data)


def inventory_json(text: str | bytes) -> Inventory:
    return adapter(Inventory).validate_json(text)
