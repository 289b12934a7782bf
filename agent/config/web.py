"""`listen:` and `web:`: where /metrics is served, with optional TLS and basic auth."""

import re
from typing import Annotated

from annotated_types import MinLen

from agent.config.schema import After, Before, Pattern, Section, key
from agent.config.types import Secret, parse_host_port

# What bcrypt.hashpw writes (and htpasswd -B): $2a$, $2b$ or $2y$, a 2-digit cost, 53 characters.
_BCRYPT_HASH = re.compile(r"^\$2[aby]\$(0[4-9]|[12]\d|3[01])\$[./A-Za-z0-9]{53}$")


def check_listen(value: object) -> object:
    parse_host_port(value, 9580)
    return value


ListenAddress = Annotated[str, Before(check_listen)]


def _check_bcrypt(hashed: Secret) -> Secret:
    if not _BCRYPT_HASH.match(hashed.reveal()):
        raise ValueError(
            "must be a bcrypt hash ($2b$12$...), not the password itself"
            " (make one with: htpasswd -nBC 12 USER)"
        )
    return hashed


BcryptHash = Annotated[Secret, After(_check_bcrypt)]
UserName = Annotated[str, MinLen(1), Pattern(r"^[^:]+$")]


class WebConfig(Section):
    """TLS and basic auth for the agent's `/metrics` (exporter-toolkit's web config)."""

    tls_cert_file: str | None = key(
        default=None, doc="serve HTTPS with this certificate (PEM); goes with the key"
    )
    tls_key_file: str | None = key(default=None, doc="the certificate's private key")
    basic_auth_users: dict[UserName, BcryptHash] = key(
        default_factory=dict,
        doc="user -> bcrypt hash (htpasswd -nBC 12 USER), never the password itself",
    )

    def __post_init__(self) -> None:
        if (self.tls_cert_file is None) != (self.tls_key_file is None):
            raise ValueError("`tls_cert_file` and `tls_key_file` go together")
