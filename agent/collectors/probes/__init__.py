"""Link probes: gateway, WAN, Internet and services (see docs/probes.md)."""
