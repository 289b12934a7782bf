#!/bin/sh
# Record this machine's host-collector inputs into a test case folder:
#   tests/cases/host/record.sh tests/cases/host/<case>
# Then write <case>/expected.yaml (see README.md) and check the values by hand.
set -eu
dest=$1
mkdir -p "$dest"
copy() {  # copy a file if it is readable (unreadable or EINVAL files stay absent, as on the host)
    src=$1
    [ -r "$src" ] || return 0
    mkdir -p "$dest/$(dirname "$src")"
    cat "$src" > "$dest/$src" 2>/dev/null || rm -f "$dest/$src"
}
for f in stat meminfo cpuinfo mounts net/dev loadavg pressure/cpu pressure/memory pressure/io pressure/irq; do copy "/proc/$f"; done
copy /proc/1/mounts
for f in ostype hostname osrelease version domainname arch; do copy "/proc/sys/kernel/$f"; done
for nic in /sys/class/net/*; do
    for f in address broadcast duplex ifalias operstate speed; do copy "$nic/$f"; done
done
for blk in /sys/block/*; do
    for f in size dev serial queue/rotational device/model device/vendor device/serial; do
        copy "$blk/$f"
    done
    [ -r "$blk/dev" ] && copy "/run/udev/data/b$(cat "$blk/dev")"
done
for f in /sys/devices/system/cpu/cpu[0-9]*/cpufreq/cpuinfo_max_freq /sys/class/dmi/id/*; do
    [ -f "$f" ] && copy "$f"
done
copy /etc/os-release
# The real tree's paths start with /proc, /sys, /etc: the case folder is the rootfs.
echo "recorded into $dest"
