"""The page's words: Vietnamese first, English by `?lang=en` (kept in a cookie)."""

from __future__ import annotations

from starlette.requests import Request

LANGS = ("vi", "en")
LANG_COOKIE = "ictinfra_lang"


LEVEL_NAMES = {"province": "tỉnh, thành phố", "district": "huyện", "commune": "xã, phường"}


def class_name(code: str, lang: str) -> str:
    """A device class in words ("thiết bị chuyển mạch", "switch"); an unknown code as it is."""
    from collector.obsolete.words import CLASS_NAMES

    vi, en = CLASS_NAMES.get(code, (code, code))
    return vi if lang == "vi" else en.removeprefix("an ").removeprefix("a ")


def level_name(code: str, lang: str) -> str:
    return LEVEL_NAMES.get(code, code) if lang == "vi" else code


def language(request: Request) -> str:
    """`?lang=` first, then the cookie a previous `?lang=` set; Vietnamese by default."""
    asked = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE)
    return asked if asked in LANGS else "vi"


WORDS: dict[str, dict[str, str]] = {
    "vi": {
        "title": "Hạ tầng CNTT",
        "login": "Đăng nhập",
        "logout": "Đăng xuất",
        "username": "Tên đăng nhập",
        "password": "Mật khẩu",
        "bad_login": "Sai tên đăng nhập hoặc mật khẩu.",
        "throttled": "Quá nhiều lần đăng nhập sai. Hãy thử lại sau {minutes} phút.",
        "bad_form": "Biểu mẫu đã hết hạn. Hãy tải lại trang và thử lại.",
        "forbidden": "Tài khoản này không được xem đơn vị {unit}.",
        "not_found": "Không có trang này.",
        "unavailable": "Cơ sở dữ liệu tạm thời không truy cập được, hãy thử lại sau.",
        "account": "Tài khoản {user}, đơn vị {unit}",
        "sites": "Đơn vị",
        "devices": "Thiết bị",
        "obsolete": "Thiết bị lạc hậu",
        "ranking": "Xếp hạng",
        "code": "Mã",
        "name": "Tên",
        "level": "Cấp",
        "parent": "Trực thuộc",
        "last_inventory": "Báo cáo thiết bị gần nhất",
        "last_write": "Liên lạc gần nhất",
        "device_count": "Số thiết bị",
        "never": "chưa có",
        "site": "Đơn vị",
        "device": "Thiết bị",
        "class": "Loại",
        "vendor": "Hãng",
        "model": "Kiểu máy",
        "serial": "Số sê-ri",
        "address": "Địa chỉ",
        "source": "Nguồn",
        "last_seen": "Thấy lần cuối",
        "evidence": "Căn cứ",
        "reasons": "Lý do",
        "since": "Từ ngày",
        "age": "Tuổi (năm)",
        "soon_obsolete": "Sẽ lạc hậu trong {months} tháng tới",
        "unknown": "Chưa đánh giá được",
        "none": "Không có.",
        "obsolete_counts": "{obsolete} trên {devices} thiết bị đã lạc hậu (tính đến {at}).",
        "exports": "Tải về",
        "no_ranking": "Chưa có xếp hạng: chưa chạy `ictinfra-collector rank` lần nào.",
        "period": "Kỳ đánh giá",
        "methodology": "Phương pháp",
        "computed": "Tính lúc",
        "total": "Tổng điểm",
        "rank": "Xếp hạng",
        "coverage": "Độ phủ dữ liệu",
        "flags": "Ghi chú",
        "indicator": "Chỉ tiêu",
        "score": "Điểm",
        "value": "Tỷ lệ",
        "level_units": "Cấp {level}",
        "more_evidence": "… và {count} mục nữa (xem tệp XLSX)",
        "not_ranked": "không xếp hạng",
        "more_rows": "Hiển thị {shown} trên {count} thiết bị: chọn một đơn vị hoặc tải tệp về.",
        "switch_lang": "English",
    },
    "en": {
        "title": "ICT infrastructure",
        "login": "Log in",
        "logout": "Log out",
        "username": "User name",
        "password": "Password",
        "bad_login": "Wrong user name or password.",
        "throttled": "Too many failed logins. Try again in {minutes} minutes.",
        "bad_form": "The form has expired. Reload the page and try again.",
        "forbidden": "This account may not see unit {unit}.",
        "not_found": "No such page.",
        "unavailable": "The database is unavailable for now, retry later.",
        "account": "Account {user}, unit {unit}",
        "sites": "Units",
        "devices": "Devices",
        "obsolete": "Obsolete equipment",
        "ranking": "Ranking",
        "code": "Code",
        "name": "Name",
        "level": "Level",
        "parent": "Parent",
        "last_inventory": "Last inventory report",
        "last_write": "Last contact",
        "device_count": "Devices",
        "never": "never",
        "site": "Unit",
        "device": "Device",
        "class": "Class",
        "vendor": "Vendor",
        "model": "Model",
        "serial": "Serial",
        "address": "Address",
        "source": "Source",
        "last_seen": "Last seen",
        "evidence": "Evidence",
        "reasons": "Reasons",
        "since": "Since",
        "age": "Age (years)",
        "soon_obsolete": "Obsolete within the next {months} months",
        "unknown": "Could not be judged",
        "none": "None.",
        "obsolete_counts": "{obsolete} of {devices} devices are obsolete (as of {at}).",
        "exports": "Download",
        "no_ranking": "No ranking yet: `ictinfra-collector rank` has not been run.",
        "period": "Period",
        "methodology": "Methodology",
        "computed": "Computed at",
        "total": "Total",
        "rank": "Rank",
        "coverage": "Data coverage",
        "flags": "Notes",
        "indicator": "Indicator",
        "score": "Score",
        "value": "Ratio",
        "level_units": "Level: {level}",
        "more_evidence": "… and {count} more (see the XLSX file)",
        "not_ranked": "not ranked",
        "more_rows": "Showing {shown} of {count} devices: pick a unit or download the file.",
        "switch_lang": "Tiếng Việt",
    },
}
