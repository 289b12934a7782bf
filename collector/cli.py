"""`ictinfra-collector`: serve, sites import|export|map|successors|token|revoke|tokens,
assets import|export, devices, readers token, obsolete, accounts add|remove|list."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from agent.errors import ConfigError
from collector.config import CONFIG_ENV, load_config
from collector.ranking.cli import add_rank_parser, rank_command
from collector.sites_csv import CsvError

if TYPE_CHECKING:
    from collector.store.registry import Registry

EXIT_USAGE = 2
EXIT_DATABASE = 3
EXIT_NOT_INSTALLED = 1  # a package of the `collector` extra is missing


INIT_HELP = "create the store (database file or schema) and run the migrations, if it is missing"


def _config_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config", default=argparse.SUPPRESS, help=f"config file (default: ${CONFIG_ENV})"
    )
    parser.add_argument("--init", action="store_true", default=argparse.SUPPRESS, help=INIT_HELP)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ictinfra-collector", description=__doc__)
    parser.add_argument("--config", default=None, help=f"config file (default: ${CONFIG_ENV})")
    parser.add_argument("--init", action="store_true", help=INIT_HELP)
    sub = parser.add_subparsers(dest="command", required=True)
    _config_option(sub.add_parser("serve", help="serve the ingest and query API"))
    add_rank_parser(sub, _config_option)
    sites = sub.add_parser("sites", help="the site registry").add_subparsers(
        dest="sites_command", required=True
    )
    imp = sites.add_parser("import", help="import units from CSV (all rows or none)")
    _config_option(imp)
    imp.add_argument("file", help="CSV: code,name,level,parent_code,staff,offices")
    exp = sites.add_parser("export", help="print every unit as CSV")
    _config_option(exp)
    exp.add_argument("--out", help="write to this file instead of stdout")
    mapping = sites.add_parser(
        "map", help="import old->new unit successors (CSV old_code,new_code)"
    )
    _config_option(mapping)
    mapping.add_argument("file")
    _config_option(sites.add_parser("successors", help="print old->new successors as CSV"))
    token = sites.add_parser("token", help="issue a token for a site (printed on the last line)")
    _config_option(token)
    token.add_argument("code")
    token.add_argument(
        "--rotate", action="store_true", help="revoke the site's other tokens (rotation)"
    )
    revoke = sites.add_parser("revoke", help="revoke a site's tokens (all, or --id)")
    _config_option(revoke)
    revoke.add_argument("code")
    revoke.add_argument("--id", type=int, help="revoke only this token id (see `sites tokens`)")
    tokens = sites.add_parser("tokens", help="list a site's tokens (ids, never the tokens)")
    _config_option(tokens)
    tokens.add_argument("code")
    from collector.devices.cli import add_commands

    add_commands(sub, _config_option)
    from collector.obsolete.cli import add_command as add_obsolete

    add_obsolete(sub, _config_option)
    from collector.web.cli import add_command as add_accounts

    add_accounts(sub, _config_option)
    return parser


def _when(seconds: float | None) -> str:
    return "-" if seconds is None else time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def _import(registry: Registry, args: argparse.Namespace) -> None:
    from collector.sites_csv import parse_sites_csv

    rows = parse_sites_csv(_read(args.file), args.file, existing=registry.unit_tree())
    inserted, updated = registry.import_units(rows, args.file)
    print(f"{args.file}: {inserted} units added, {updated} updated")


def _export(registry: Registry, args: argparse.Namespace) -> None:
    from collector.sites_csv import format_sites_csv

    text = format_sites_csv(registry.export_units())
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


def _map(registry: Registry, args: argparse.Namespace) -> None:
    from collector.sites_csv import parse_mapping_csv

    added = registry.import_successors(parse_mapping_csv(_read(args.file), args.file), args.file)
    print(f"{args.file}: {added} successor links added")


def _successors(registry: Registry, _args: argparse.Namespace) -> None:
    print("old_code,new_code")
    for old, new in registry.successors():
        print(f"{old},{new}")


def _token(registry: Registry, args: argparse.Namespace) -> None:
    token = registry.issue_token(args.code, revoke_others=args.rotate)
    note = " (its other tokens are revoked)" if args.rotate else ""
    print(f"new token for site {args.code}{note}; it is shown only this once:")
    print(token)


def _revoke(registry: Registry, args: argparse.Namespace) -> None:
    count = registry.revoke(args.code, args.id)
    print(f"{count} token(s) of site {args.code} revoked")


def _tokens(registry: Registry, args: argparse.Namespace) -> None:
    print("id\tcreated\trevoked\tlast_used\tscope")
    for info in registry.list_tokens(args.code):
        print(
            f"{info.id}\t{_when(info.created_at)}\t{_when(info.revoked_at)}\t"
            f"{_when(info.last_used_at)}\t{info.scope}"
        )


SITES_COMMANDS: dict[str, Callable[[Registry, argparse.Namespace], None]] = {
    "import": _import,
    "export": _export,
    "map": _map,
    "successors": _successors,
    "token": _token,
    "revoke": _revoke,
    "tokens": _tokens,
}


def _sites(args: argparse.Namespace) -> int:
    from collector.devices import cli as devices_cli
    from collector.store import open_store
    from collector.store.registry import UnknownSiteError

    store = open_store(load_config(args.config).database_url, init=args.init)
    try:
        if args.command in devices_cli.COMMANDS:
            devices_cli.run(store, args)
        else:
            SITES_COMMANDS[args.sites_command](store.registry, args)
    except UnknownSiteError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        store.close()
    return 0


def _accounts(args: argparse.Namespace) -> int:
    from collector.store import open_store
    from collector.web.accounts import Accounts
    from collector.web.cli import run

    store = open_store(load_config(args.config).database_url, init=args.init)
    try:
        return run(Accounts(store.engine), args)
    finally:
        store.close()


def _read(path: str) -> str:
    from collector.sites_csv import read_csv_file

    return read_csv_file(path)


MISSING_STORE_HINT = (
    "check database_url in the config; to create a new store and run the migrations, add --init:"
    " `ictinfra-collector sites import --init --config FILE SITES.csv` (or `serve --init`)"
)


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "serve":
        from collector.serve import serve

        serve(load_config(args.config), init=args.init)
        return 0
    if args.command == "rank":
        return rank_command(args)
    if args.command == "obsolete":
        from collector.obsolete.cli import run as obsolete

        return obsolete(args)
    if args.command == "accounts":
        return _accounts(args)
    return _sites(args)


def _run(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from collector.store import StoreMissingError, StoreNewerError

    try:
        return _dispatch(args)
    except StoreMissingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        print(f"  {MISSING_STORE_HINT}", file=sys.stderr)
        return EXIT_DATABASE
    except StoreNewerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_DATABASE
    except SQLAlchemyError as exc:
        # the driver's first line says what failed; never the URL (it may hold a password)
        reason = str(getattr(exc, "orig", None) or type(exc).__name__).splitlines()[0]
        print(f"database unavailable: {reason}", file=sys.stderr)
        return EXIT_DATABASE


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(argv)
    except ModuleNotFoundError as exc:
        missing = (exc.name or "").split(".")[0]
        if missing in ("", "agent", "collector"):
            raise
        print(
            f"ictinfra-collector: the Python package `{missing}` is not installed; this looks"
            " like an agent-only install. The collector needs: pip install 'ictinfra[collector]'",
            file=sys.stderr,
        )
        return EXIT_NOT_INSTALLED


def _main(argv: Sequence[str] | None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except ConfigError as exc:
        print(f"{exc.source}: invalid config", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return EXIT_USAGE
    except CsvError as exc:
        print(f"{exc.source}: nothing imported", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return EXIT_USAGE
