"""`ictinfra-collector accounts add|remove|list`: the web page's accounts.

The password is read from standard input (its first line) when that is not a terminal, else
asked for twice at a prompt; never from an argument (arguments are visible in `ps`).
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable

from collector.web.accounts import AccountError, Accounts

ConfigOption = Callable[[argparse.ArgumentParser], None]


def add_command(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], config: ConfigOption
) -> None:
    accounts = sub.add_parser("accounts", help="web page accounts").add_subparsers(
        dest="accounts_command", required=True
    )
    add = accounts.add_parser(
        "add", help="add an account (or set its unit and password); password from stdin/prompt"
    )
    config(add)
    add.add_argument("user")
    add.add_argument("unit", help="the unit code it sees, with every unit below it")
    remove = accounts.add_parser("remove", help="remove an account and end its sessions")
    config(remove)
    remove.add_argument("user")
    config(accounts.add_parser("list", help="list the accounts and their units"))


def _password() -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise AccountError("the two passwords differ")
    return first


def run(accounts: Accounts, args: argparse.Namespace) -> int:
    from collector.store.registry import UnknownSiteError

    try:
        if args.accounts_command == "add":
            accounts.add(args.user, args.unit, _password())
            print(f"account {args.user} sees unit {args.unit} and every unit below it")
        elif args.accounts_command == "remove":
            if not accounts.remove(args.user):
                print(f"error: no account {args.user!r}", file=sys.stderr)
                return 1
            print(f"account {args.user} removed")
        else:
            for account in accounts.list():
                print(f"{account.username}\t{account.unit}")
    except AccountError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except UnknownSiteError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0
