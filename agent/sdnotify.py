"""systemd's sd_notify protocol (READY, RELOADING, STOPPING) without a library: one datagram.

Does nothing unless systemd set NOTIFY_SOCKET (Type=notify units), so it is safe everywhere.
"""

from __future__ import annotations

import logging
import os
import socket

log = logging.getLogger(__name__)


def notify(*states: str) -> bool:
    """Send `KEY=value` lines to systemd; True when sent."""
    address = os.environ.get("NOTIFY_SOCKET")
    family = getattr(socket, "AF_UNIX", None)
    if not address or family is None:
        return False
    if address.startswith("@"):  # abstract namespace
        address = "\0" + address[1:]
    try:
        with socket.socket(family, socket.SOCK_DGRAM) as sock:
            sock.connect(address)
            sock.sendall("\n".join(states).encode())
    except OSError as exc:
        log.warning("cannot notify systemd at %s: %s", address, exc)
        return False
    return True
