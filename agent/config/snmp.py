"""The `snmp:` section: polling defaults and the devices (targets) to poll."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, model_validator

from agent.config.base import StrictModel
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


class SnmpTarget(StrictModel):
    """One SNMP device to poll."""

    name: str = Field(
        min_length=1,
        pattern=r"^[A-Za-z0-9_.:/-]+$",
        description="the `device` label of every series of this device; unique",
    )
    address: Annotated[str, BeforeValidator(_check_address)] = Field(
        description="host[:port] of the device's SNMP agent (default port 161)"
    )
    version: Annotated[Literal["1", "2c", "3"], BeforeValidator(_version_text)] = Field(
        default="2c", description="SNMP version"
    )
    community: Secret = Field(default=Secret("public"), description="v1/v2c community")
    user: str | None = Field(default=None, description="v3 user name (required with version 3)")
    auth_protocol: Annotated[AuthProtocol | None, BeforeValidator(_upper)] = Field(
        default=None, description="v3 authentication protocol; goes with `auth_key`"
    )
    auth_key: Secret | None = Field(
        default=None, description="v3 authentication key (at least 8 characters)"
    )
    priv_protocol: Annotated[PrivProtocol | None, BeforeValidator(_upper)] = Field(
        default=None, description="v3 privacy protocol; goes with `priv_key`, needs auth_*"
    )
    priv_key: Secret | None = Field(
        default=None, description="v3 privacy key (at least 8 characters)"
    )
    context: str = Field(default="", description="v3 context name")
    timeout: Duration = Field(default=2.0, description="per request")
    retries: int = Field(
        default=1, ge=0, le=10, description="re-sends of a request that got no answer"
    )
    interval: Duration | None = Field(
        default=None, description="this device's counter interval; default `snmp.interval`"
    )
    inventory_interval: Duration | None = Field(
        default=None,
        description="this device's inventory interval; default `snmp.inventory_interval`",
    )
    poll_timeout: Duration | None = Field(
        default=None,
        description="the whole poll of this device; default `snmp.poll_timeout`, else 80% of the"
        " interval",
    )
    max_repetitions: int | None = Field(
        default=None, ge=1, le=200, description="GETBULK max-repetitions; default the section's"
    )
    modules: tuple[Module, ...] = Field(
        default=DEFAULT_MODULES, description="the MIB groups polled on this device"
    )

    @property
    def host_port(self) -> tuple[str, int]:
        return parse_host_port(self.address, 161)

    @model_validator(mode="after")
    def _v3_is_complete(self) -> SnmpTarget:
        if self.version != "3":
            return self
        if not self.user:
            raise ValueError("version 3 needs `user`")
        if (self.auth_protocol is None) != (self.auth_key is None):
            raise ValueError("`auth_protocol` and `auth_key` go together")
        if (self.priv_protocol is None) != (self.priv_key is None):
            raise ValueError("`priv_protocol` and `priv_key` go together")
        if self.priv_protocol and not self.auth_protocol:
            raise ValueError("privacy (priv_*) needs authentication (auth_*) as well")
        for key in (self.auth_key, self.priv_key):
            if key is not None and len(key.reveal()) < 8:
                raise ValueError("SNMPv3 keys must be at least 8 characters (RFC 3414)")
        return self

    @property
    def security_level(self) -> Literal["noAuthNoPriv", "authNoPriv", "authPriv"]:
        if self.priv_protocol:
            return "authPriv"
        return "authNoPriv" if self.auth_protocol else "noAuthNoPriv"


class SnmpConfig(StrictModel):
    """SNMP polling: defaults for every target, and the targets."""

    interval: Duration = Field(
        default=60.0, description="interface counters, HOST-RESOURCES and Printer-MIB polls"
    )
    inventory_interval: Duration = Field(
        default=3600.0, description="system strings, ENTITY-MIB, vendor and kind"
    )
    concurrency: int = Field(default=16, ge=1, le=256, description="devices polled at once")
    poll_timeout: Duration | None = Field(
        default=None,
        description="how long one device's whole poll may take; default 80% of its interval",
    )
    codec: Literal["lean", "pysnmp"] = Field(
        default="lean",
        description="v1/v2c message codec: `lean` (ictinfra's BER codec, ~10x less CPU) or"
        " `pysnmp` (pyasn1); v3 always uses pysnmp",
    )
    max_repetitions: int = Field(
        default=25, ge=1, le=200, description="GETBULK max-repetitions (per column)"
    )
    targets: tuple[SnmpTarget, ...] = Field(default=(), description="the devices, one entry each")

    @model_validator(mode="after")
    def _unique_names(self) -> SnmpConfig:
        seen: set[str] = set()
        for target in self.targets:
            if target.name in seen:
                raise ValueError(f"two targets are named {target.name!r}; names must be unique")
            seen.add(target.name)
        return self
