"""`listen:` and `web:`: where /metrics is served, with optional TLS and basic auth."""

from typing import Annotated

from pydantic import BeforeValidator, Field, model_validator

from agent.config.base import StrictModel
from agent.config.types import Secret, parse_host_port


def check_listen(value: object) -> object:
    parse_host_port(value, 9580)
    return value


ListenAddress = Annotated[str, BeforeValidator(check_listen)]


class WebConfig(StrictModel):
    tls_cert_file: str | None = None
    tls_key_file: str | None = None
    # user -> bcrypt hash, as in exporter-toolkit's web config
    basic_auth_users: dict[str, Secret] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _tls_pair(self) -> "WebConfig":
        if (self.tls_cert_file is None) != (self.tls_key_file is None):
            raise ValueError("`tls_cert_file` and `tls_key_file` go together")
        return self
