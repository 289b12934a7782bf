"""`ictinfra-collector assets import|export`, `devices`, `readers token`."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collector.store import Store

COMMANDS = ("assets", "devices", "readers")


def add_commands(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    config_option: Callable[[argparse.ArgumentParser], None],
) -> None:
    assets = sub.add_parser("assets", help="the asset register").add_subparsers(
        dest="assets_command", required=True
    )
    imp = assets.add_parser("import", help="replace the asset register with a CSV (all or none)")
    config_option(imp)
    imp.add_argument("file", help="CSV: site_code,class,serial,mac,vendor,model,purchase_date")
    exp = assets.add_parser("export", help="write the asset register as CSV")
    config_option(exp)
    exp.add_argument("--out", help="write to this file instead of stdout")
    listing = sub.add_parser("devices", help="every device seen, with class, age and history")
    config_option(listing)
    listing.add_argument("--site", help="only this unit and the units below it")
    listing.add_argument("--format", choices=("json", "csv"), default="json")
    listing.add_argument("--out", help="write to this file instead of stdout")
    readers = sub.add_parser("readers", help="reader credentials").add_subparsers(
        dest="readers_command", required=True
    )
    token = readers.add_parser("token", help="issue a reader token for a unit and all below it")
    config_option(token)
    token.add_argument("code")
    token.add_argument("--rotate", action="store_true", help="revoke its other reader tokens")


def _write(text: str, out: str | None) -> None:
    if out:
        Path(out).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


def _assets(store: Store, args: argparse.Namespace) -> None:
    from collector.devices.register import AssetRegister, format_assets_csv, parse_assets_csv
    from collector.sites_csv import read_csv_file

    register = AssetRegister(store.engine)
    if args.assets_command == "export":
        _write(format_assets_csv(register.rows()), args.out)
        return
    sites = {unit.code for unit in store.registry.export_units()}
    rows = parse_assets_csv(read_csv_file(args.file), sites, args.file)
    count = register.replace(rows)
    print(f"{args.file}: the asset register now holds {count} rows (the previous one is replaced)")


def _devices(store: Store, args: argparse.Namespace) -> None:
    from collector.devices.listing import format_csv, list_devices
    from collector.store.registry import UnknownSiteError

    sites = None
    if args.site:
        if store.registry.unit(args.site) is None:
            raise UnknownSiteError(f"no unit with code {args.site!r}")
        sites = store.registry.descendants(args.site)
    items = list_devices(store, sites)
    if args.format == "csv":
        _write(format_csv(items), args.out)
    else:
        _write(json.dumps({"devices": items}, ensure_ascii=False, indent=2) + "\n", args.out)


def _readers(store: Store, args: argparse.Namespace) -> None:
    from collector.readers import issue_reader_token

    token = issue_reader_token(store, args.code, rotate=args.rotate)
    note = " (its other reader tokens are revoked)" if args.rotate else ""
    print(f"new reader token for unit {args.code} and every unit below it{note};")
    print("it is shown only this once:")
    print(token)


HANDLERS: dict[str, Callable[[Store, argparse.Namespace], None]] = {
    "assets": _assets,
    "devices": _devices,
    "readers": _readers,
}


def run(store: Store, args: argparse.Namespace) -> None:
    HANDLERS[args.command](store, args)
