"""Judge each device against the rules: age, spec floors, OS / firmware support.

Every check gives a reason (with the day it started, or will start, to hold), or an "unknown"
(what could not be judged), or nothing (in service life on that count).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from collector.devices.model import (
    AgeEvidence,
    ObsoleteReason,
    ObsoleteUnknown,
    ObsoleteVerdict,
    SeenDevice,
    SoftwareFact,
)
from collector.obsolete import checks
from collector.obsolete.eol import Catalogue, Product, Release, shipped_products
from collector.obsolete.identify import identify
from collector.obsolete.rules import Rules

DAYS_PER_YEAR = 365.25


@dataclass(frozen=True, slots=True)
class Judgement:
    """All a device's reasons (also those that start later) and what could not be judged."""

    reasons: tuple[ObsoleteReason, ...]
    unknown: tuple[ObsoleteUnknown, ...]
    age_years: float | None
    age_evidence: AgeEvidence | None


def catalogue_for(rules: Rules) -> Catalogue:
    products = dict(shipped_products())
    overrides: dict[tuple[str, str], Release] = {}
    for item in rules.eol_overrides:
        shipped = products.get(item.product)
        title = shipped.title if shipped else item.product
        release = Release(
            product=item.product, title=title, cycle=item.cycle, label=item.cycle,
            release_date=None, eol=item.eol, eoes=None, build=None,
            source=item.source, verified=item.verified,
        )  # fmt: skip
        overrides[(item.product, item.cycle)] = release
        if shipped is None:
            products[item.product] = Product(item.product, title, "firmware", (release,))
    return Catalogue(products, overrides)


def best_age(ages: tuple[AgeEvidence, ...]) -> AgeEvidence | None:
    """The first exact evidence (the view orders them best first), else the oldest lower bound."""
    exact = next((age for age in ages if not age.lower_bound), None)
    if exact is not None:
        return exact
    return min(ages, key=lambda age: age.date) if ages else None


class Engine:
    def __init__(self, rules: Rules) -> None:
        self.rules = rules
        self.catalogue = catalogue_for(rules)
        self._software = lru_cache(maxsize=65536)(self._software_uncached)

    def judge(self, device: SeenDevice, at: dt.date) -> Judgement:
        rules = self.rules.for_class(device.device_class)
        age = best_age(device.ages)
        age_years = round((at - age.date).days / DAYS_PER_YEAR, 1) if age else None
        found = [*checks.max_age(device, rules, age, at), *checks.spec_floors(device, rules)]
        software = self._software(device.software) if rules.software_support else None
        if software is not None:
            found.append(software)
        reasons = tuple(item for item in found if isinstance(item, ObsoleteReason))
        unknown = tuple(item for item in found if isinstance(item, ObsoleteUnknown))
        return Judgement(reasons, unknown, age_years, age)

    def _software_uncached(self, software: tuple[SoftwareFact, ...]) -> checks.Found | None:
        if not software:
            return checks.no_software()
        for fact in software:
            found = identify(fact)
            if found is not None:
                resolved = self.catalogue.resolve(
                    found.product, found.cycles, found.build, found.edition
                )
                return checks.support(fact, found, resolved, self.rules.support_end)
        return checks.unrecognised(software[0])


def verdict(judgement: Judgement, device: SeenDevice, at: dt.date, until: dt.date | None = None
            ) -> ObsoleteVerdict:  # fmt: skip
    """The reasons that hold on `at` (or, with `until`, those that start in (at, until])."""
    if until is None:
        chosen = tuple(r for r in judgement.reasons if r.since is None or r.since <= at)
    else:
        chosen = tuple(r for r in judgement.reasons if r.since and at < r.since <= until)
    since = min((r.since for r in chosen if r.since), default=None)
    return ObsoleteVerdict(
        device=device,
        reasons=chosen,
        since=since,
        age_years=judgement.age_years,
        age_evidence=judgement.age_evidence,
        unknown=judgement.unknown,
    )


def evaluate(devices: Iterable[SeenDevice], rules: Rules, at: dt.date) -> list[ObsoleteVerdict]:
    """One verdict per device; `reasons` empty when the device is in service life on `at`."""
    engine = Engine(rules)
    return [verdict(engine.judge(device, at), device, at) for device in devices]


def add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def soon_obsolete(
    devices: Iterable[SeenDevice], rules: Rules, at: dt.date, months: int = 12
) -> list[ObsoleteVerdict]:
    """Devices in service life on `at` that become obsolete within `months`, with the date."""
    engine = Engine(rules)
    until = add_months(at, months)
    found = []
    for device in devices:
        judgement = engine.judge(device, at)
        if verdict(judgement, device, at).obsolete:
            continue
        upcoming = verdict(judgement, device, at, until)
        if upcoming.obsolete:
            found.append(upcoming)
    return found
