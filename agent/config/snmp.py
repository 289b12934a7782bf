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
    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.:/-]+$")
    address: Annotated[str, BeforeValidator(_check_address)]
    version: Annotated[Literal["1", "2c", "3"], BeforeValidator(_version_text)] = "2c"
    community: Secret = Secret("public")
    user: str | None = None
    auth_protocol: Annotated[AuthProtocol | None, BeforeValidator(_upper)] = None
    auth_key: Secret | None = None
    priv_protocol: Annotated[PrivProtocol | None, BeforeValidator(_upper)] = None
    priv_key: Secret | None = None
    context: str = ""
    timeout: Duration = 2.0
    retries: int = Field(default=1, ge=0, le=10)
    interval: Duration | None = None
    inventory_interval: Duration | None = None
    poll_timeout: Duration | None = None  # the whole poll of this device; default 80% of interval
    max_repetitions: int | None = Field(default=None, ge=1, le=200)
    modules: tuple[Module, ...] = DEFAULT_MODULES

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
    interval: Duration = 60.0
    inventory_interval: Duration = 3600.0
    concurrency: int = Field(default=16, ge=1, le=256)
    poll_timeout: Duration | None = None  # per device; default 80% of the device's interval
    # v1/v2c message codec: "lean" (our BER codec, ~10x less CPU) or "pysnmp" (pyasn1); v3: pysnmp
    codec: Literal["lean", "pysnmp"] = "lean"
    max_repetitions: int = Field(default=25, ge=1, le=200)
    targets: tuple[SnmpTarget, ...] = ()

    @model_validator(mode="after")
    def _unique_names(self) -> SnmpConfig:
        seen: set[str] = set()
        for target in self.targets:
            if target.name in seen:
                raise ValueError(f"two targets are named {target.name!r}; names must be unique")
            seen.add(target.name)
        return self
