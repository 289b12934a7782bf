"""Judge each device against the rules: age, spec floors, OS / firmware support.

Every check gives a reason (with the day it started, or will start, to hold), or an "unknown"
(what could not be judged), or nothing (in service life on that count).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
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
    """The first exact evidence (the view orders them best first), else the oldest lower bound,
    else the newest upper bound."""
    exact = next((a for a in ages if not a.lower_bound and not a.upper_bound), None)
    lower = min((a for a in ages if a.lower_bound), key=lambda a: a.date, default=None)
    upper = max((a for a in ages if a.upper_bound), key=lambda a: a.date, default=None)
    return exact or lower or upper


class Engine:
    def __init__(self, rules: Rules) -> None:
        self.rules = rules
        self.catalogue = catalogue_for(rules)
        self._software = lru_cache(maxsize=65536)(self._software_uncached)

    def judge(self, device: SeenDevice, at: dt.date) -> Judgement:
        rules = self.rules.for_class(device.device_class)
        age = best_age(device.ages)
        age_years = round((at - age.date).days / DAYS_PER_YEAR, 1) if age else None
        upper = max((a for a in device.ages if a.upper_bound), key=lambda a: a.date, default=None)
        found = [*checks.max_age(device, rules, age, at, upper), *checks.spec_floors(device, rules)]
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


RulesFor = Callable[[str], Rules]  # site code -> the rules in force there


@dataclass(frozen=True, slots=True)
class Split:
    """Every device judged once: obsolete now, obsolete within the window, or neither."""

    obsolete: list[ObsoleteVerdict]
    soon: list[ObsoleteVerdict]  # in service life on `at`; obsolete by `until`
    in_life: list[ObsoleteVerdict]
    until: dt.date


def judged(
    devices: Iterable[SeenDevice], rules: Rules | RulesFor, at: dt.date
) -> Iterator[tuple[SeenDevice, Judgement]]:
    """Each device with its judgement, by one Rules or by the rules of its site."""
    rules_for: RulesFor = (lambda _site: rules) if isinstance(rules, Rules) else rules
    engines: dict[int, Engine] = {}  # one per distinct Rules (its caches are per rules)
    for device in devices:
        site_rules = rules_for(device.site)
        engine = engines.get(id(site_rules)) or engines.setdefault(
            id(site_rules), Engine(site_rules)
        )
        yield device, engine.judge(device, at)


def split(
    devices: Iterable[SeenDevice], rules: Rules | RulesFor, at: dt.date, months: int
) -> Split:
    until = add_months(at, months)
    result = Split([], [], [], until)
    for device, judgement in judged(devices, rules, at):
        now = verdict(judgement, device, at)
        upcoming = verdict(judgement, device, at, until)
        if now.obsolete:
            result.obsolete.append(now)
        elif upcoming.obsolete:
            result.soon.append(upcoming)
        else:
            result.in_life.append(now)
    return result


def evaluate(
    devices: Iterable[SeenDevice], rules: Rules | RulesFor, at: dt.date
) -> list[ObsoleteVerdict]:
    """One verdict per device; `reasons` empty when the device is in service life on `at`.

    `rules`: one Rules for every device, or the rules of each site (`RulesBook.for_site`).
    """
    return [verdict(judgement, device, at) for device, judgement in judged(devices, rules, at)]


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
    devices: Iterable[SeenDevice], rules: Rules | RulesFor, at: dt.date, months: int = 12
) -> list[ObsoleteVerdict]:
    """Devices in service life on `at` that become obsolete within `months`, with the date."""
    return split(devices, rules, at, months).soon
