"""Site detail: the agent's host, the SNMP devices and their interfaces, the link probes and the
LAN of one site."""

from __future__ import annotations

from grafana_foundation_sdk.builders import dashboard as db

from dashboards.frame import add_all, frame
from dashboards.hierarchy import DEVICE, SITE, device_variable, hierarchy_variables
from dashboards.panels import (
    ANY_BAD,
    AVAILABILITY,
    JITTER_MS,
    LATENCY_MS,
    LOSS,
    USAGE,
    UTILISATION,
    Look,
    Q,
    bars,
    graph,
    grid,
    row,
    single,
    value_names,
)
from dashboards.text import Lang, T

UID = "ictinfra-site"
R = "[$__rate_interval]"

# IF-MIB ifOperStatus (RFC 2863)
OPER_STATUS = {
    1: T("hoạt động", "up"), 2: T("ngắt", "down"), 3: T("kiểm thử", "testing"),
    4: T("không rõ", "unknown"), 5: T("chờ", "dormant"), 6: T("không có", "notPresent"),
    7: T("lớp dưới ngắt", "lowerLayerDown"),
}  # fmt: skip
OPER_COLOURS = {1: "green", 2: "red", 3: "blue", 4: "orange", 5: "blue", 6: "text", 7: "red"}
UP_DOWN = {1: T("hoạt động", "up"), 0: T("mất kết nối", "down")}

FS = f'{SITE}, fstype!~"tmpfs|rootfs"'
# Interfaces that are up and have a known capacity (ifHighSpeed in Mbit/s; 0 on many virtual ones).
CAPACITY = f"(ifHighSpeed{{{DEVICE}}} * 1000000 > 0)"


def host_panels(lang: Lang) -> list[object]:
    cpu_busy = (
        f'100 * (1 - avg by (instance) (rate(node_cpu_seconds_total{{{SITE}, mode="idle"}}{R})))'
    )
    available = f"node_memory_MemAvailable_bytes{{{SITE}}}"
    total = f"node_memory_MemTotal_bytes{{{SITE}}}"
    mem_used = f"100 * (1 - {available} / {total})"
    fs_used = (
        f"100 * (1 - node_filesystem_avail_bytes{{{FS}}} / node_filesystem_size_bytes{{{FS}}})"
    )
    inst = T("{{instance}}", "{{instance}}")
    pct = Look("percent", USAGE, width=6, height=4, low=0, high=100)
    return [
        row(T("Máy chủ của điểm", "Site server"), lang),
        single(
            T("CPU đang dùng", "CPU busy"),
            T("Tỉ lệ thời gian CPU không rảnh.", "Share of CPU time not idle."),
            [Q(cpu_busy, inst)],
            pct,
            lang,
        ),
        single(
            T("Bộ nhớ đã dùng", "Memory used"),
            T("1 − MemAvailable / MemTotal.", "1 − MemAvailable / MemTotal."),
            [Q(mem_used, inst)],
            pct,
            lang,
        ),
        single(
            T("Ổ đĩa đầy nhất", "Fullest filesystem"),
            T("Phân vùng đầy nhất (trừ tmpfs).", "The fullest filesystem (tmpfs left out)."),
            [Q(f"max by (instance) ({fs_used})", inst)],
            pct,
            lang,
        ),
        single(
            T("Thời gian chạy", "Uptime"),
            T("Từ lần khởi động gần nhất.", "Since the last boot."),
            [Q(f"time() - node_boot_time_seconds{{{SITE}}}", inst)],
            Look("dtdurations", ((None, "orange"), (86400, "green")), width=6, height=4),
            lang,
        ),
        graph(
            T("CPU theo chế độ", "CPU by mode"),
            T("Trung bình các nhân, trừ idle.", "Average over cores, idle left out."),
            [
                Q(
                    f"avg by (instance, mode) "
                    f'(rate(node_cpu_seconds_total{{{SITE}, mode!="idle"}}{R}))',
                    T("{{instance}} {{mode}}", "{{instance}} {{mode}}"),
                )
            ],
            Look("percentunit", width=8, low=0, high=1),
            lang,
            stacked=True,
        ),
        graph(
            T("Bộ nhớ", "Memory"),
            T("Đã dùng và còn khả dụng.", "Used and available."),
            [
                Q(
                    f"{total} - {available}",
                    T("{{instance}} đã dùng", "{{instance}} used"),
                ),
                Q(
                    f"node_memory_MemAvailable_bytes{{{SITE}}}",
                    T("{{instance}} khả dụng", "{{instance}} available"),
                ),
            ],
            Look("bytes", width=8, low=0),
            lang,
            stacked=True,
        ),
        graph(
            T("Dung lượng ổ đĩa đã dùng", "Filesystem used"),
            T("Theo điểm gắn.", "By mount point."),
            [Q(fs_used, T("{{instance}} {{mountpoint}}", "{{instance}} {{mountpoint}}"))],
            Look("percent", USAGE, width=8, low=0, high=100),
            lang,
        ),
        graph(
            T("Lưu lượng card mạng", "Network interface traffic"),
            T(
                "Bit/giây nhận và gửi trên các card mạng của máy chủ.",
                "Bits per second received and sent by the server's NICs.",
            ),
            [
                Q(
                    f"rate(node_network_receive_bytes_total{{{SITE}}}{R}) * 8",
                    T("{{instance}} {{device}} nhận", "{{instance}} {{device}} in"),
                ),
                Q(
                    f"rate(node_network_transmit_bytes_total{{{SITE}}}{R}) * 8",
                    T("{{instance}} {{device}} gửi", "{{instance}} {{device}} out"),
                ),
            ],
            Look("bps", width=12, low=0),
            lang,
        ),
        graph(
            T("Áp lực tài nguyên (PSI)", "Resource pressure (PSI)"),
            T(
                "Tỉ lệ thời gian tiến trình phải chờ CPU, bộ nhớ, đĩa (/proc/pressure).",
                "Share of time processes waited for CPU, memory, IO (/proc/pressure).",
            ),
            [
                Q(
                    f"rate(node_pressure_{what}_waiting_seconds_total{{{SITE}}}{R})",
                    T(f"{{{{instance}}}} {what}", f"{{{{instance}}}} {what}"),
                )
                for what in ("cpu", "memory", "io")
            ],
            Look("percentunit", width=12, low=0),
            lang,
        ),
    ]


def device_panels(lang: Lang) -> list[object]:
    dev = T("{{device}}", "{{device}}")
    return [
        row(T("Thiết bị SNMP", "SNMP devices"), lang),
        bars(
            T("Trạng thái thiết bị", "Device status"),
            T("1: trả lời SNMP ở lần hỏi gần nhất.", "1: answered SNMP in the last poll."),
            [Q(f"ictinfra_snmp_up{{{DEVICE}}}", dev, instant=True)],
            Look(
                steps=((None, "red"), (1, "green")),
                width=8,
                low=0,
                high=1,
                mappings=tuple(value_names(UP_DOWN, lang, {1: "green", 0: "red"})),
            ),
            lang,
        ),
        bars(
            T("Thời gian chạy của thiết bị", "Device uptime"),
            T(
                "sysUpTime (1/100 giây) từ lần khởi động của tác tử SNMP.",
                "sysUpTime (hundredths of a second) since the SNMP agent started.",
            ),
            [Q(f"sysUpTime{{{DEVICE}}} / 100", dev, instant=True)],
            Look("dtdurations", width=8),
            lang,
        ),
        graph(
            T("Thời gian hỏi SNMP", "SNMP poll duration"),
            T("Một lần hỏi toàn bộ bảng của thiết bị.", "One poll of all the device's tables."),
            [Q(f"ictinfra_snmp_poll_duration_seconds{{{DEVICE}}}", dev)],
            Look("s", width=8, low=0),
            lang,
        ),
    ]


def interface_panels(lang: Lang) -> list[object]:
    up = f"and on (site, device, ifIndex) ifOperStatus{{{DEVICE}}} == 1"
    port = "{{device}} {{ifName}}"
    inn, out = T(f"{port} vào", f"{port} in"), T(f"{port} ra", f"{port} out")
    rate_in, rate_out = (f"rate(ifHC{d}Octets{{{DEVICE}}}{R}) * 8" for d in ("In", "Out"))
    return [
        row(T("Cổng mạng", "Interfaces"), lang),
        graph(
            T("Lưu lượng cổng", "Interface traffic"),
            T(
                "Bit/giây vào và ra (ifHCInOctets/ifHCOutOctets × 8), cổng đang hoạt động.",
                "Bits per second in and out (ifHCInOctets/ifHCOutOctets × 8), ports that are up.",
            ),
            [Q(f"{rate_in} {up}", inn), Q(f"{rate_out} {up}", out)],
            Look("bps", width=12, low=0),
            lang,
        ),
        graph(
            T("Mức sử dụng cổng", "Interface utilisation"),
            T(
                "Lưu lượng ÷ tốc độ cổng (ifHighSpeed); cảnh báo từ 70 %, nghiêm trọng từ 90 %.",
                "Traffic ÷ port speed (ifHighSpeed); warning from 70 %, critical from 90 %.",
            ),
            [Q(f"100 * {rate_in} / {CAPACITY}", inn), Q(f"100 * {rate_out} / {CAPACITY}", out)],
            Look("percent", UTILISATION, width=12, low=0, high=100),
            lang,
        ),
        graph(
            T("Lỗi trên cổng", "Interface errors"),
            T(
                "Gói lỗi mỗi giây (ifInErrors, ifOutErrors).",
                "Errored packets per second (ifInErrors, ifOutErrors).",
            ),
            [
                Q(f"rate(ifInErrors{{{DEVICE}}}{R})", inn),
                Q(f"rate(ifOutErrors{{{DEVICE}}}{R})", out),
            ],
            Look("pps", ((None, "green"), (1, "red")), width=12, low=0),
            lang,
        ),
        grid(
            T("Trạng thái cổng", "Port status"),
            T(
                "ifOperStatus và tốc độ (Mbit/s) của mọi cổng.",
                "ifOperStatus and speed (Mbit/s) of every port.",
            ),
            [
                Q(f"ifOperStatus{{{DEVICE}}}", instant=True),
                Q(f"ifHighSpeed{{{DEVICE}}}", instant=True),
            ],
            Look(width=12, mappings=tuple(value_names(OPER_STATUS, lang, OPER_COLOURS))),
            lang,
            hidden=("Time", "__name__", "job", "instance", "province", "district", "commune"),
        ),
    ]


def probe_panels(lang: Lang) -> list[object]:
    target = T("{{target}} ({{kind}})", "{{target}} ({{kind}})")
    return [
        row(T("Đường truyền (đo thử)", "Links (probes)"), lang),
        graph(
            T("Độ trễ", "Latency"),
            T(
                "Thời gian khứ hồi trung bình mỗi đợt đo, ms.",
                "Mean round trip of each probe burst, ms.",
            ),
            [Q(f"ictinfra_probe_rtt_seconds{{{SITE}}} * 1000", target)],
            Look("ms", LATENCY_MS, width=8, low=0),
            lang,
        ),
        graph(
            T("Mất gói", "Packet loss"),
            T("Tỉ lệ gói mất trong đợt đo.", "Share of packets lost in the burst."),
            [Q(f"ictinfra_probe_loss_ratio{{{SITE}}}", target)],
            Look("percentunit", LOSS, width=8, low=0, high=1),
            lang,
        ),
        graph(
            T("Độ biến động trễ (jitter)", "Jitter"),
            T("Trung bình |RTTᵢ − RTTᵢ₋₁|, ms.", "Mean |RTTᵢ − RTTᵢ₋₁|, ms."),
            [Q(f"ictinfra_probe_jitter_seconds{{{SITE}}} * 1000", target)],
            Look("ms", JITTER_MS, width=8, low=0),
            lang,
        ),
        single(
            T("Cổng mặc định sẵn sàng", "Gateway availability"),
            T(
                "Tỉ lệ đợt đo cổng mặc định có trả lời, trong cửa sổ của tác tử (mặc định 24 h).",
                "Share of gateway bursts with a reply, over the agent's window (24 h by default).",
            ),
            [
                Q(
                    f"ictinfra_lan_gateway_reachable_ratio{{{SITE}}}",
                    T("{{instance}}", "{{instance}}"),
                )
            ],
            Look("percentunit", AVAILABILITY, width=6, height=6, low=0, high=1, decimals=2),
            lang,
        ),
        bars(
            T("Đích đo không trả lời", "Probe targets down"),
            T(
                "Số đích không trả lời ở đợt đo gần nhất.",
                "Targets without a reply in the last burst.",
            ),
            [
                Q(
                    f"count by (site) (ictinfra_probe_up{{{SITE}}} == 0) or "
                    f"count by (site) (ictinfra_probe_up{{{SITE}}}) * 0",
                    T("{{site}}", "{{site}}"),
                    instant=True,
                )
            ],
            Look(steps=ANY_BAD, width=6, height=6, low=0),
            lang,
        ),
    ]


def lan_panels(lang: Lang) -> list[object]:
    return [
        row(T("Mạng LAN", "LAN"), lang),
        graph(
            T("Số máy trên LAN", "Hosts on the LAN"),
            T("Máy trả lời lần quét ARP gần nhất.", "Hosts that answered the latest ARP sweep."),
            [
                Q(
                    f"sum by (site, interface) (ictinfra_lan_hosts{{{SITE}}})",
                    T("{{site}} {{interface}}", "{{site}} {{interface}}"),
                )
            ],
            Look("short", width=12, low=0, decimals=0),
            lang,
        ),
        bars(
            T("Máy theo hãng card mạng", "Hosts by NIC vendor"),
            T(
                "Theo OUI của địa chỉ MAC; trống: không rõ hoặc MAC ngẫu nhiên.",
                "By the MAC's OUI; empty: unknown or a randomised MAC.",
            ),
            [
                Q(
                    f"sum by (vendor) (ictinfra_lan_hosts{{{SITE}}})",
                    T("{{vendor}}", "{{vendor}}"),
                    instant=True,
                )
            ],
            Look("short", width=6, decimals=0),
            lang,
        ),
        single(
            T("Cổng truy cập ≥ 1 Gbit/s", "Access ports at ≥ 1 Gbit/s"),
            T(
                "Tỉ lệ cổng truy cập đang hoạt động ở tốc độ gigabit.",
                "Share of up access ports running at gigabit speed.",
            ),
            [
                Q(
                    f"ictinfra_lan_access_ports_gigabit_ratio{{{SITE}}}",
                    T("{{instance}}", "{{instance}}"),
                )
            ],
            Look("percentunit", AVAILABILITY, width=6, low=0, high=1),
            lang,
        ),
    ]


def build(lang: Lang) -> db.Dashboard:
    dashboard = frame(
        UID,
        lang,
        T("ictinfra · Chi tiết điểm", "ictinfra · Site detail"),
        T(
            "Máy chủ, thiết bị SNMP, cổng mạng, đường truyền và LAN của một điểm.",
            "One site's server, SNMP devices, interfaces, links and LAN.",
        ),
        [*hierarchy_variables(lang, single_site=True), device_variable(lang)],
    )
    sections = (host_panels, device_panels, interface_panels, probe_panels, lan_panels)
    return add_all(dashboard, [panel for section in sections for panel in section(lang)])
