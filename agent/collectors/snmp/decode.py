"""Pure decoders for SNMP values: text vs hex, DateAndTime, TimeTicks, MAC addresses.

Values reach these functions as plain Python (`int`, `bytes`, `str` for OIDs, `None` for
noSuchObject/noSuchInstance/endOfMibView), never as pyasn1 objects.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

Value = int | bytes | str | None

_PRINTABLE_CONTROLS = frozenset(b"\t\r\n")


def is_printable(raw: bytes) -> bool:
    """True when `raw` is UTF-8 text without control characters (tab/CR/LF allowed)."""
    if any(b < 0x20 and b not in _PRINTABLE_CONTROLS for b in raw) or 0x7F in raw:
        return False
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def hex_string(raw: bytes) -> str:
    """snmp_exporter's rendering of a non-text OctetString: 0x and upper-case hex."""
    return "0x" + raw.hex().upper()


def display_string(value: Value) -> str:
    """A DisplayString as text; trailing NULs dropped; anything not text comes out as hex."""
    if value is None:
        return ""
    if isinstance(value, int | str):
        return str(value)
    raw = value.rstrip(b"\x00")
    return raw.decode("utf-8") if is_printable(raw) else hex_string(value)


def optional_text(value: Value) -> str | None:
    """display_string, but None for an absent or empty value (inventory fields)."""
    text = display_string(value).strip()
    return text or None


def mac_address(value: Value) -> str:
    """PhysAddress48 as snmp_exporter prints it (00:1A:2B:3C:4D:5E); other lengths as hex."""
    if not isinstance(value, bytes) or not value:
        return ""
    return ":".join(f"{b:02X}" for b in value) if len(value) == 6 else hex_string(value)


def timeticks_seconds(value: Value) -> float | None:
    """TimeTicks (hundredths of a second) -> seconds."""
    return value / 100 if isinstance(value, int) else None


DateStatus = Literal["ok", "absent", "unknown"]


@dataclass(frozen=True, slots=True)
class DateAndTime:
    """A decoded RFC 2579 DateAndTime: ISO 8601 text when valid, else why not."""

    iso: str | None
    status: DateStatus
    reason: str | None = None


_ABSENT = DateAndTime(None, "absent")


def _unknown(reason: str) -> DateAndTime:
    return DateAndTime(None, "unknown", reason)


def parse_date_and_time(value: Value) -> DateAndTime:
    """RFC 2579 DateAndTime (8 or 11 octets) -> ISO 8601; anything else is 'unknown' with a reason.

    Never guesses: a 7-byte value, ASCII digits, or an all-zero value (the MIBs' "unknown")
    gives no date.
    """
    if value is None or value == b"":
        return _ABSENT
    if not isinstance(value, bytes):
        return _unknown(f"not an OCTET STRING ({type(value).__name__})")
    if len(value) not in (8, 11):
        return _unknown(f"{len(value)} octets (DateAndTime has 8 or 11): {hex_string(value)}")
    if not any(value):
        return _unknown("all zero (the device does not know the date)")
    text = _date_text(value)
    if text is None:
        return _unknown(f"a field is out of range: {hex_string(value)}")
    return DateAndTime(text, "ok")


def _date_text(value: bytes) -> str | None:
    year = value[0] << 8 | value[1]
    month, day, hour, minute, second, decisecond = value[2:8]
    if second > 60 or decisecond > 9 or year == 0:
        return None
    try:
        moment = dt.datetime(year, month, day, hour, minute, min(second, 59))
    except ValueError:
        return None
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if decisecond:
        text += f".{decisecond}"
    if len(value) == 11:
        sign, tz_hours, tz_minutes = chr(value[8]), value[9], value[10]
        if sign not in "+-" or tz_hours > 14 or tz_minutes > 59:
            return None
        text += f"{sign}{tz_hours:02d}:{tz_minutes:02d}"
    return text


def as_int(value: Value) -> int | None:
    return value if isinstance(value, int) else None
