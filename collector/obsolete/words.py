"""Reasons in words, in Vietnamese and English, each with the evidence it rests on.

Vietnamese uses a decimal comma (17,7 năm) and day/month/year dates; English a decimal point and
ISO dates.
"""

from __future__ import annotations

import datetime as dt

CLASS_NAMES: dict[str, tuple[str, str]] = {  # (vi, en with its article)
    "pc": ("máy tính để bàn", "a desktop computer"),
    "laptop": ("máy tính xách tay", "a laptop"),
    "server": ("máy chủ", "a server"),
    "switch": ("thiết bị chuyển mạch", "a switch"),
    "router": ("thiết bị định tuyến", "a router"),
    "firewall": ("tường lửa", "a firewall"),
    "access_point": ("điểm truy cập không dây", "a wireless access point"),
    "printer": ("máy in", "a printer"),
    "ups": ("bộ lưu điện (UPS)", "a UPS"),
    "camera": ("camera", "a camera"),
    "phone": ("điện thoại IP", "an IP phone"),
    "other": ("thiết bị khác", "another device"),
    "unknown": ("thiết bị chưa rõ loại", "a device of unknown class"),
}

AGE_WORDS: dict[str, tuple[str, str]] = {  # (vi, en): "<verb> <date> <per what>"
    "register": ("mua {d} theo sổ tài sản", "bought {d} per the asset register"),
    "entity_mfg_date": ("sản xuất {d} theo ENTITY-MIB", "manufactured {d} per ENTITY-MIB"),
    "serial_date": ("sản xuất {d} theo số sê-ri", "manufactured {d} per its serial number"),
    "bios_date": ("BIOS phát hành {d}", "BIOS released {d}"),
    "model_catalogue": ("mẫu ra mắt {d} theo danh mục", "model released {d} per the catalogue"),
    "first_seen": ("ictinfra thấy lần đầu {d}", "first seen by ictinfra {d}"),
}


def number_vi(value: float, digits: int = 1) -> str:
    return f"{value:.{digits}f}".replace(".", ",")


def number_en(value: float, digits: int = 1) -> str:
    return f"{value:.{digits}f}"


def years_vi(value: float) -> str:
    return number_vi(value) if value != int(value) else str(int(value))


def years_en(value: float) -> str:
    return number_en(value) if value != int(value) else str(int(value))


def date_vi(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


def month_vi(day: dt.date) -> str:
    return day.strftime("%m/%Y")


def month_en(day: dt.date) -> str:
    return day.strftime("%Y-%m")


def class_vi(device_class: str) -> str:
    return CLASS_NAMES.get(device_class, CLASS_NAMES["unknown"])[0]


def class_en(device_class: str) -> str:
    return CLASS_NAMES.get(device_class, CLASS_NAMES["unknown"])[1]


def class_en_bare(device_class: str) -> str:
    """'a switch' -> 'switch' (after "the 8-year life of a ..." the article is already there)."""
    return class_en(device_class).split(" ", 1)[1]


def age_evidence(source: str, day: dt.date) -> tuple[str, str]:
    vi, en = AGE_WORDS.get(source, ("{d}", "{d}"))
    return vi.format(d=month_vi(day)), en.format(d=month_en(day))


def _g(value: float, lang: str) -> str:
    text = f"{value:.4g}"
    return text.replace(".", ",") if lang == "vi" else text


def bytes_text(value: int, lang: str) -> str:
    """4294967296 -> '4 GiB', 100000000000 -> '100 GB' (binary where it divides evenly)."""
    for unit, size in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20)):
        if value >= size and value % (size // 16) == 0:
            return f"{_g(value / size, lang)} {unit}"
    for unit, size in (("TB", 10**12), ("GB", 10**9), ("MB", 10**6)):
        if value >= size:
            return f"{_g(value / size, lang)} {unit}"
    return f"{value} B"


def rate_text(bits_per_second: int, lang: str) -> str:
    for unit, size in (("Tbit/s", 10**12), ("Gbit/s", 10**9), ("Mbit/s", 10**6), ("kbit/s", 10**3)):
        if bits_per_second >= size:
            return f"{_g(bits_per_second / size, lang)} {unit}"
    return f"{bits_per_second} bit/s"
