"""The single checks behind a verdict, each giving reasons or unknowns in both languages."""

from __future__ import annotations

import datetime as dt

from collector.devices.model import (
    AgeEvidence,
    ObsoleteReason,
    ObsoleteUnknown,
    SeenDevice,
    SoftwareFact,
)
from collector.obsolete import words as w
from collector.obsolete.eol import EolDate, Resolved
from collector.obsolete.identify import Identified
from collector.obsolete.rules import ClassRules

Found = ObsoleteReason | ObsoleteUnknown
FAST_ETHERNET = 100 * 10**6
FACT_SOURCES = {
    "sys_descr": "sysDescr",
    "os_release": "os-release",
    "windows": "Windows",
    "entity_software_rev": "ENTITY-MIB",
    "dmi_bios": "BIOS",
}


def add_years(day: dt.date, years: float) -> dt.date:
    if years == int(years):
        try:
            return day.replace(year=day.year + int(years))
        except ValueError:  # 29 February
            return day.replace(year=day.year + int(years), day=28)
    return day + dt.timedelta(days=round(years * 365.25))


def first_seen_day(device: SeenDevice) -> dt.date:
    return dt.datetime.fromtimestamp(device.first_seen, dt.UTC).date()


def max_age(
    device: SeenDevice,
    rules: ClassRules,
    age: AgeEvidence | None,
    at: dt.date,
    upper: AgeEvidence | None = None,
) -> list[Found]:
    """Over the class's life? `upper` (at most this old) can settle a lower bound's doubt."""
    limit = rules.max_age_years
    if limit is None:
        return []
    if age is None:
        return [
            ObsoleteUnknown(
                "max_age",
                "không có bằng chứng về tuổi (sổ tài sản, ENTITY-MIB, số sê-ri, BIOS, danh mục)",
                "no evidence of age (asset register, ENTITY-MIB, serial, BIOS, catalogue)",
            )
        ]
    years = (at - age.date).days / 365.25
    end = add_years(age.date, limit)
    if age.upper_bound:
        return [] if end > at else [_at_most(device, age, years, limit)]
    ev_vi, ev_en = w.age_evidence(age.source, age.date)
    least_vi, least_en = ("ít nhất ", "at least ") if age.lower_bound else ("", "")
    head_vi = f"{ev_vi}: {least_vi}{w.number_vi(years)} năm"
    head_en = f"{ev_en}: {least_en}{w.number_en(years)} years"
    life_vi = f"niên hạn {w.years_vi(limit)} năm của {w.class_vi(device.device_class)}"
    life_en = f"{w.years_en(limit)}-year life of {w.class_en(device.device_class)}"
    found: list[Found] = []
    if end <= at:
        text_vi, text_en = f"{head_vi}, quá {life_vi}", f"{head_en}, over the {life_en}"
    else:
        text_vi = f"{head_vi}, hết {life_vi} ngày {w.date_vi(end)}"
        text_en = f"{head_en}, reaches the {life_en} on {end.isoformat()}"
        proven_young = upper is not None and add_years(upper.date, limit) > at
        if age.lower_bound and not proven_young:
            found.append(
                ObsoleteUnknown(
                    "max_age",
                    f"{head_vi}: chưa đủ để biết còn trong {life_vi} hay không",
                    f"{head_en}: not enough to tell whether within the {life_en}",
                )
            )
    reason = ObsoleteReason("max_age", text_vi, text_en, end, rules.max_age_source,
                            rules.max_age_verified)  # fmt: skip
    return [reason, *found]


def _at_most(device: SeenDevice, age: AgeEvidence, years: float, limit: float) -> Found:
    ev_vi, ev_en = w.age_evidence(age.source, age.date)
    life_vi = f"niên hạn {w.years_vi(limit)} năm của {w.class_vi(device.device_class)}"
    life_en = f"{w.years_en(limit)}-year life of {w.class_en(device.device_class)}"
    return ObsoleteUnknown(
        "max_age",
        f"{ev_vi}: nhiều nhất {w.number_vi(years)} năm, "
        f"chưa đủ để biết còn trong {life_vi} hay không",
        f"{ev_en}: at most {w.number_en(years)} years, not enough to tell whether within the "
        f"{life_en}",
    )


FLOOR_WORDS = {  # rule: (the value with {v} in vi, en), (what is missing in vi, en)
    "min_memory": (("RAM {v}", "{v} of RAM"), ("dung lượng RAM", "RAM size")),
    "min_cores": (("{v} nhân CPU", "{v} CPU cores"), ("số nhân CPU", "CPU core count")),
    "min_disk": (("ổ đĩa {v}", "{v} of disk"), ("dung lượng ổ đĩa", "disk size")),
    "min_port_speed": (
        ("cổng nhanh nhất {v}", "fastest port {v}"),
        ("tốc độ cổng", "port speeds"),
    ),
}


def _floor(rule: str, value: int | None, floor: int | None, device: SeenDevice) -> list[Found]:
    if floor is None:
        return []
    what, missing = FLOOR_WORDS[rule]
    if not value:  # None, or 0 (an agent's "no speed known": every port down, ifHighSpeed 0)
        return [ObsoleteUnknown(rule, f"không rõ {missing[0]} (không được báo cáo)",
                                f"{missing[1]} not reported")]  # fmt: skip
    if value >= floor:
        return []
    show = w.rate_text if rule == "min_port_speed" else w.bytes_text
    if rule == "min_cores":
        v_vi, v_en, f_vi, f_en = str(value), str(value), f"{floor} nhân", f"{floor}-core"
    else:
        v_vi, v_en = show(value, "vi"), show(value, "en")
        f_vi, f_en = show(floor, "vi"), show(floor, "en")
    note_vi, note_en = ("", "")
    if rule == "min_port_speed" and 10 * 10**6 < value <= FAST_ETHERNET:
        note_vi, note_en = " (chỉ Fast Ethernet)", " (Fast Ethernet only)"
    return [
        ObsoleteReason(
            rule,
            f"{what[0].format(v=v_vi)}{note_vi}, dưới mức tối thiểu {f_vi} của "
            f"{w.class_vi(device.device_class)}",
            f"{what[1].format(v=v_en)}{note_en}, below the {f_en} floor of "
            f"{w.class_en(device.device_class)}",
            first_seen_day(device),
        )
    ]


def spec_floors(device: SeenDevice, rules: ClassRules) -> list[Found]:
    specs = device.specs
    return [
        *_floor("min_memory", specs.memory_bytes, rules.min_memory, device),
        *_floor("min_cores", specs.cpu_cores, rules.min_cores, device),
        *_floor("min_disk", specs.disk_bytes, rules.min_disk, device),
        *_floor("min_port_speed", specs.max_port_speed_bits_per_second, rules.min_port_speed,
                device),
    ]  # fmt: skip


def _short(text: str, limit: int = 80) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def no_software() -> ObsoleteUnknown:
    return ObsoleteUnknown(
        "os_eol", "không có thông tin hệ điều hành/phần mềm", "no OS or firmware reported"
    )


def unrecognised(fact: SoftwareFact) -> ObsoleteUnknown:
    return ObsoleteUnknown(
        "os_eol",
        f"không nhận ra hệ điều hành/phần mềm: {_short(fact.text)!r}",
        f"OS or firmware not recognised: {_short(fact.text)!r}",
    )


def support(
    fact: SoftwareFact, found: Identified, resolved: Resolved, support_end: str
) -> Found | None:
    """The reason an OS / firmware is out of its vendor's support, or what is not known."""
    product = resolved.product
    rule = "firmware_eol" if product is not None and product.kind == "firmware" else "os_eol"
    shown = f"build {found.build}" if found.build else found.version
    per = FACT_SOURCES.get(fact.source, fact.source)
    release = resolved.release
    title = product.title if product else found.product
    if release is None:
        return ObsoleteUnknown(
            rule,
            f"{title} {shown} (theo {per}): phiên bản không có trong dữ liệu hết hỗ trợ",
            f"{title} {shown} (per {per}): release not in the end-of-life data",
        )
    end: EolDate = release.eol
    if support_end == "eoes" and isinstance(release.eoes, dt.date):
        end = release.eoes
    name_vi, name_en = f"{release.name} ({shown} theo {per})", f"{release.name} ({shown} per {per})"
    if end is None:
        return ObsoleteUnknown(rule, f"{name_vi}: ngày hết hỗ trợ chưa rõ",
                               f"{name_en}: end of support not known")  # fmt: skip
    if end is False:
        return None
    note_vi, note_en = ("", "") if release.verified else (" (ngày chưa kiểm chứng)",
                                                          " (date not verified)")  # fmt: skip
    if resolved.ambiguous:
        note_vi += "; nhiều phiên bản khớp, lấy bản được hỗ trợ lâu nhất"
        note_en += "; several releases match, the longest-supported taken"
    if end is True:
        return ObsoleteReason(rule, f"{name_vi}: hết hỗ trợ của hãng{note_vi}",
                              f"{name_en}: out of vendor support{note_en}",
                              None, release.source, release.verified)  # fmt: skip
    return ObsoleteReason(
        rule,
        f"{name_vi}: hết hỗ trợ của hãng từ {w.date_vi(end)}{note_vi}",
        f"{name_en}: out of vendor support from {end.isoformat()}{note_en}",
        end,
        release.source,
        release.verified,
    )
