"""Whether the host is a virtual machine or a container: systemd-detect-virt's names and clues.

A container first (what the agent's processes see), then the DMI vendor and product a hypervisor
sets, then /sys/hypervisor (Xen), then the CPU's `hypervisor` flag (some VM: `vm-other`)."""

from __future__ import annotations

from pathlib import Path

from agent.collectors.host.files import read_value
from agent.wire.inventory import CONTAINER_KINDS

_CONTAINER_FILES = ((".dockerenv", "docker"), ("run/.containerenv", "podman"))
_DMI_HYPERVISORS = (  # a word of DMI's sys_vendor or product_name -> systemd-detect-virt's id
    ("qemu", "qemu"), ("kvm", "kvm"), ("vmware", "vmware"), ("virtualbox", "oracle"),
    ("innotek", "oracle"), ("xen", "xen"), ("bochs", "bochs"), ("parallels", "parallels"),
    ("amazon ec2", "amazon"), ("google compute engine", "google"), ("openstack", "kvm"),
)  # fmt: skip


def _container(rootfs: Path) -> str | None:
    named = read_value(rootfs / "run/systemd/container")
    if named:
        return named if named in CONTAINER_KINDS else "container-other"
    return next((kind for file, kind in _CONTAINER_FILES if (rootfs / file).exists()), None)


def _hypervisor(sys_root: Path, dmi: dict[str, str]) -> str | None:
    vendor, product = dmi.get("sys_vendor", "").lower(), dmi.get("product_name", "").lower()
    if vendor.startswith("microsoft") and product == "virtual machine":
        return "microsoft"
    for word, kind in _DMI_HYPERVISORS:
        if word in vendor or word in product:
            return kind
    return "xen" if read_value(sys_root / "hypervisor/type") == "xen" else None


def detect(
    rootfs: Path, sys_root: Path, dmi: dict[str, str], processors: list[dict[str, str]]
) -> str | None:
    """systemd-detect-virt's id (docker, kvm, vmware, microsoft, ...); None: bare metal or not
    known."""
    found = _container(rootfs) or _hypervisor(sys_root, dmi)
    if found is None and processors and "hypervisor" in processors[0].get("flags", "").split():
        return "vm-other"
    return found
