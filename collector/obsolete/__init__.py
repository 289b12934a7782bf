"""Obsolete equipment: which devices are past their service life, and why (docs/obsolete.md).

`load_rules` reads the shipped rules with a province's and a site's overrides; `evaluate` gives
one verdict per device (reasons empty when in service life); `soon_obsolete` the devices that
become obsolete within some months (the budget-planning view).
"""

from collector.obsolete.engine import evaluate, soon_obsolete
from collector.obsolete.rules import Rules, load_rules

__all__ = ["Rules", "evaluate", "load_rules", "soon_obsolete"]
