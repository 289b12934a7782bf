"""The rules in force at each site: the base file, then the overrides of its province (and any
unit above it), down to the site's own, as `obsolete.overrides` in the collector config lists."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from collector.obsolete.rules import Rules, load_layers

ParentOf = Callable[[str], str | None]


class RulesBook:
    """Loads each distinct chain of override files once; every file is checked at construction."""

    def __init__(
        self, base: str | Path | None, overrides: Mapping[str, str | Path], parent_of: ParentOf
    ) -> None:
        self.base = base
        self.overrides = dict(overrides)
        self.parent_of = parent_of
        self._by_chain: dict[tuple[str, ...], Rules] = {}
        self._chain_of: dict[str, tuple[str, ...]] = {}
        self.default = self._rules(())
        for unit in self.overrides:  # a bad override file fails now, not at the first device
            self._rules((unit,))

    def _rules(self, chain: tuple[str, ...]) -> Rules:
        if chain not in self._by_chain:
            self._by_chain[chain] = load_layers(self.base, [self.overrides[u] for u in chain])
        return self._by_chain[chain]

    def _chain(self, site: str) -> tuple[str, ...]:
        """The units of the site's ancestry (top first) that have an override file."""
        if site not in self._chain_of:
            units: list[str] = []
            code: str | None = site
            for _ in range(32):  # the registry refuses cycles; the bound guards a bad database
                if code is None:
                    break
                units.append(code)
                code = self.parent_of(code)
            self._chain_of[site] = tuple(u for u in reversed(units) if u in self.overrides)
        return self._chain_of[site]

    def for_site(self, site: str) -> Rules:
        return self._rules(self._chain(site)) if self.overrides else self.default
