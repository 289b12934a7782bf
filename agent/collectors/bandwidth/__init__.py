"""Bandwidth: interface rates and utilisation, the uplink port, the throughput test."""
