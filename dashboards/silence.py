"""How long each site has been silent, placed in the hierarchy.

The collector's last-seen gauge (its own /metrics, scraped by Prometheus) knows only `site`; the
hierarchy labels come from the agents' pushed series, which go stale once a site is silent, so the
place is looked up over dashboards.place.LOOKBACK. A site silent for longer drops out of these
panels (the IctinfraSiteSilent alert, on the gauge alone, still fires for it).
"""

from __future__ import annotations

from dashboards.place import placed

SILENT_AFTER = 900  # seconds: the IctinfraSiteSilent alert's threshold
LAST_SEEN = "max by (site) (ictinfra_collector_site_last_seen_timestamp_seconds)"


def silence() -> str:
    """Seconds since each site's last report, with province/district/commune labels."""
    return placed(f"time() - {LAST_SEEN}")
