"""The `snmp:` section: polling defaults and the devices (targets) to poll."""

from __future__ import annotations

from typing import Annotated, Literal

from annotated_types import Ge, Le, MinLen

from agent.config.schema import Before, Pattern, Section, key
from agent.config.types import Duration, Secret, parse_host_port

AuthProtocol = Literal["MD5", "SHA", "SHA224", "SHA256", "SHA384", "SHA512"]
PrivProtocol = Literal["DES", "AES", "AES192", "AES256"]
Module = Literal["system", "if_mib", "entity", "host_resources", "printer", "bridge"]
DEFAULT_MODULES: tuple[Module, ...] = ("system", "if_mib", "entity", "host_resources", "printer")


def _version_text(value: object) -> object:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


def _upper(value: object) -> object:
    return value.upper().replace("-", "") if isinstance(value, str) else value


def _check_address(value: object) -> object:
    parse_host_port(value, 161)
    return value


class SnmpTarget(Section):
    """One SNMP device to poll."""

    name: Annotated[str, MinLen(1), Pattern(r"^[A-Za-z0-9_.:/-]+$")] = key(
        doc="the `device` label of every series of this device; unique",
    )
    address: Annotated[str, Before(_check_address)] = key(
        doc="host[:port] of the device's SNMP agent (default port 161)"
    )
    version: Annotated[Literal["1", "2c", "3"], Before(_version_text)] = key(
        default="2c", doc="SNMP version"
    )
    community: Secret = key(default=Secret("public"), doc="v1/v2c community")
    user: str | None = key(default=None, doc="v3 user name (required with version 3)")
    auth_protocol: Annotated[AuthProtocol | None, Before(_upper)] = key(
        default=None, doc="v3 authentication protocol; goes with `auth_key`"
    )
    auth_key: Secret | None = key(default=None, doc="v3 authentication key (at least 8 characters)")
    priv_protocol: Annotated[PrivProtocol | None, Before(_upper)] = key(
        default=None, doc="v3 privacy protocol; goes with `priv_key`, needs auth_*"
    )
    priv_key: Secret | None = key(default=None, doc="v3 privacy key (at least 8 characters)")
    context: str = key(default="", doc="v3 context name")
    timeout: Duration = key(default=2.0, doc="per request")
    retries: Annotated[int, Ge(0), Le(10)] = key(
        default=1, doc="re-sends of a request that got no answer"
    )
    interval: Duration | None = key(
        default=None, doc="this device's counter interval; default `snmp.interval`"
    )
    inventory_interval: Duration | None = key(
        default=None,
        doc="this device's inventory interval; default `snmp.inventory_interval`",
    )
    poll_timeout: Duration | None = key(
        default=None,
        doc="the whole poll of this device; default `snmp.poll_timeout`, else 80% of the interval",
    )
    max_repetitions: Annotated[int | None, Ge(1), Le(200)] = key(
        default=None, doc="GETBULK max-repetitions; default the section's"
    )
    modules: tuple[Module, ...] = key(
        default=DEFAULT_MODULES, doc="the MIB groups polled on this device"
    )

    @property
    def host_port(self) -> tuple[str, int]:
        return parse_host_port(self.address, 161)

    def __post_init__(self) -> None:
        if self.version != "3":
            return
        if not self.user:
            raise ValueError("version 3 needs `user`")
        if (self.auth_protocol is None) != (self.auth_key is None):
            raise ValueError("`auth_protocol` and `auth_key` go together")
        if (self.priv_protocol is None) != (self.priv_key is None):
            raise ValueError("`priv_protocol` and `priv_key` go together")
        if self.priv_protocol and not self.auth_protocol:
            raise ValueError("privacy (priv_*) needs authentication (auth_*) as well")
        for secret in (self.auth_key, self.priv_key):
            if secret is not None and len(secret.reveal()) < 8:
                raise ValueError("SNMPv3 keys must be at least 8 characters (RFC 3414)")

    @property
    def security_level(self) -> Literal["noAuthNoPriv", "authNoPriv", "authPriv"]:
        if self.priv_protocol:
            return "authPriv"
        return "authNoPriv" if self.auth_protocol else "noAuthNoPriv"


class SnmpConfig(Section):
    """SNMP polling: defaults for every target, and the targets."""

    interval: Duration = key(
        default=60.0, doc="interface counters, HOST-RESOURCES and Printer-MIB polls"
    )
    inventory_interval: Duration = key(
        default=3600.0, doc="system strings, ENTITY-MIB, vendor and kind"
    )
    concurrency: Annotated[int, Ge(1), Le(256)] = key(default=16, doc="devices polled at once")
    poll_timeout: Duration | None = key(
        default=None,
        doc="how long one device's whole poll may take; default 80% of its interval",
    )
    codec: Literal["lean", "pysnmp"] = key(
        default="lean",
        doc="v1/v2c message codec: `lean` (ictinfra's BER codec, ~10x less CPU) or"
        " `pysnmp` (pyasn1); v3 always uses pysnmp",
    )
    max_repetitions: Annotated[int, Ge(1), Le(200)] = key(
        default=25, doc="GETBULK max-repetitions (per column)"
    )
    targets: tuple[SnmpTarget, ...] = key(default=(), doc="the devices, one entry each")

    def __post_init__(self) -> None:
        seen: set[str] = set()
        for target in self.targets:
            if target.name in seen:
                raise ValueError(f"two targets are named {target.name!r}; names must be unique")
            seen.add(target.name)
