"""End-of-life data: endoflife.date's files (`data/eol/`, MIT) and the hand-added ones
(`data/eol-manual/`), read once into releases keyed by product and release cycle."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

ENDOFLIFE_SOURCE = "https://endoflife.date"
EolDate = dt.date | bool | None  # a date; False: no end announced (supported); True: ended, date
# not published; None: not known


@dataclass(frozen=True, slots=True)
class Release:
    product: str
    title: str  # "Microsoft Windows"
    cycle: str  # "5-sp3"
    label: str  # "XP SP3"
    release_date: dt.date | None
    eol: EolDate
    eoes: EolDate  # extended (paid) support
    build: str | None  # endoflife.date's `latest`: 5.1.2600 for XP
    source: str  # where the date comes from
    verified: bool

    @property
    def name(self) -> str:
        """'Microsoft Windows' + 'XP SP3'; 'Microsoft Windows Server' + 'Windows Server 2003'."""
        words = self.label.split()
        for count in range(len(words), 0, -1):
            head = " ".join(words[:count])
            if self.title.endswith(head):
                return self.title[: -len(head)] + self.label
        return f"{self.title} {self.label}"


@dataclass(frozen=True, slots=True)
class Product:
    name: str
    title: str
    kind: str  # os | firmware
    releases: tuple[Release, ...]

    def release(self, cycle: str) -> Release | None:
        return next((r for r in self.releases if r.cycle == cycle), None)


FIRMWARE = frozenset(
    {"cisco-ios", "cisco-ios-xe", "cisco-nx-os", "junos", "fortios", "pan-os", "routeros"}
    | {"huawei-vrp", "opnsense"}
)


def _date(value: Any) -> EolDate:
    if isinstance(value, bool | dt.date) or value is None:
        return value
    return dt.date.fromisoformat(str(value))


_PLACEHOLDER = re.compile(r"__([A-Z_]+?)__")
_FIELDS = {"RELEASE_CYCLE": "releaseCycle", "CODENAME": "codename", "LATEST": "latest"}


def _label(doc: dict[str, Any], item: dict[str, Any]) -> str:
    """endoflife.date's label template filled from the release (`__CODENAME__` -> Bookworm);
    a placeholder the release has no value for goes, with the brackets or quotes around it."""

    def fill(match: re.Match[str]) -> str:
        value = item.get(_FIELDS.get(match.group(1), ""))
        return "" if value is None else str(value)

    template = str(item.get("releaseLabel") or doc.get("releaseLabel") or "__RELEASE_CYCLE__")
    label = _PLACEHOLDER.sub(fill, template)
    return " ".join(re.sub(r"\(\s*\)|''|\"\"", "", label).split())


def _release(name: str, doc: dict[str, Any], item: dict[str, Any], manual: bool) -> Release:
    cycle = str(item["releaseCycle"])
    label = _label(doc, item)
    title = str(doc["title"])
    eol = _date(item.get("eol")) if "eol" in item or manual else None
    release_date = item.get("releaseDate")
    return Release(
        product=name,
        title=title,
        cycle=cycle,
        label=label,
        release_date=release_date if isinstance(release_date, dt.date) else None,
        eol=eol,
        eoes=_date(item.get("eoes")),
        build=str(item["latest"]) if item.get("latest") is not None else None,
        source=str(doc.get("source") or f"{ENDOFLIFE_SOURCE}/{doc.get('permalink', name)}"),
        verified=bool(doc.get("verified", True)),
    )


def _product(name: str, text: str, manual: bool) -> Product:
    doc = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506
    kind = str(doc.get("kind") or ("firmware" if name in FIRMWARE else "os"))
    releases = tuple(_release(name, doc, item, manual) for item in doc.get("releases") or ())
    return Product(name=name, title=str(doc["title"]), kind=kind, releases=releases)


@cache
def shipped_products() -> dict[str, Product]:
    """Every product of the shipped data, by file name (windows, debian, junos, ...)."""
    root = resources.files("collector.obsolete").joinpath("data")
    products: dict[str, Product] = {}
    for folder, manual in (("eol", False), ("eol-manual", True)):
        for entry in sorted(root.joinpath(folder).iterdir(), key=lambda e: e.name):
            if entry.name.endswith(".yaml"):
                name = entry.name.removesuffix(".yaml")
                products[name] = _product(name, entry.read_text("utf-8"), manual)
    return products


@dataclass(frozen=True, slots=True)
class Resolved:
    """What the data says about one identified OS/firmware."""

    product: Product | None  # None: no data for the product at all
    release: Release | None  # None: the cycle is not in the data
    ambiguous: bool = False  # several cycles matched; the one supported longest was taken


def _windows_candidates(product: Product, build: str, edition: str | None) -> list[Release]:
    found = [r for r in product.releases if r.build and r.build.rsplit(".", 1)[-1] == build]
    if edition is None:
        return found
    if edition == "w":
        narrowed = [r for r in found if not any(t in r.cycle for t in ("-e", "-lts", "-iot"))]
    else:
        narrowed = [r for r in found if f"-{edition}" in r.cycle]
    return narrowed or found


def _end(release: Release) -> dt.date:
    """Sort key: the later the support ends, the greater (no end announced is the greatest)."""
    if release.eol is False:
        return dt.date.max
    return release.eol if isinstance(release.eol, dt.date) else dt.date.min


class Catalogue:
    """The shipped products with a rules file's `eol_overrides` laid over them."""

    def __init__(self, products: dict[str, Product], overrides: dict[tuple[str, str], Release]):
        self.products = products
        self.overrides = overrides

    def _release(self, product: Product, cycle: str) -> Release | None:
        return self.overrides.get((product.name, cycle)) or product.release(cycle)

    def resolve(
        self, product_name: str, cycles: tuple[str, ...], build: str | None, edition: str | None
    ) -> Resolved:
        product = self.products.get(product_name)
        if product is None:
            return Resolved(None, None)
        if build is not None:
            return self._resolve_windows(product, build, edition)
        for cycle in cycles:
            release = self._release(product, cycle)
            if release is not None:
                return Resolved(product, release)
        return Resolved(product, None)

    def _resolve_windows(self, product: Product, build: str, edition: str | None) -> Resolved:
        found = _windows_candidates(product, build, edition)
        if not found and product.name == "windows" and "windows-server" in self.products:
            return self._resolve_windows(self.products["windows-server"], build, edition)
        if not found:
            return Resolved(product, None)
        best = max(found, key=_end)
        best = self.overrides.get((product.name, best.cycle), best)
        return Resolved(product, best, ambiguous=len(found) > 1)
