"""Grafana dashboards, generated from Python (see `python -m dashboards`)."""
