"""Every device the agents have seen, with its class, age evidence and asset-register match.

`collector.devices.model` is the contract the obsolescence rules and the ranking build on:
`seen_devices(store, sites=..., start=..., end=...) -> list[SeenDevice]` (in `view.py`) is the
one way to read them.
"""
