"""The host's virtualization, read from a made-up root: a container, then DMI, then the CPU."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.collectors.host.virt import detect

VM_CPU = [{"processor": "0", "flags": "fpu vme sse2 hypervisor avx"}]
METAL_CPU = [{"processor": "0", "flags": "fpu vme sse2 avx"}]


@pytest.mark.parametrize(
    ("files", "dmi", "cpu", "expected"),
    [
        ({".dockerenv": ""}, {}, VM_CPU, "docker"),
        ({"run/.containerenv": ""}, {}, METAL_CPU, "podman"),
        ({"run/systemd/container": "lxc\n"}, {}, METAL_CPU, "lxc"),
        ({"run/systemd/container": "weird\n"}, {}, METAL_CPU, "container-other"),
        (
            {},
            {"sys_vendor": "QEMU", "product_name": "Standard PC (Q35 + ICH9, 2009)"},
            VM_CPU,
            "qemu",
        ),
        ({}, {"sys_vendor": "VMware, Inc.", "product_name": "VMware7,1"}, VM_CPU, "vmware"),
        (
            {},
            {"sys_vendor": "Microsoft Corporation", "product_name": "Virtual Machine"},
            VM_CPU,
            "microsoft",
        ),
        ({}, {"sys_vendor": "innotek GmbH", "product_name": "VirtualBox"}, VM_CPU, "oracle"),
        ({"sys/hypervisor/type": "xen\n"}, {}, METAL_CPU, "xen"),
        ({}, {}, VM_CPU, "vm-other"),
        ({}, {"sys_vendor": "Dell Inc.", "product_name": "PowerEdge R740"}, METAL_CPU, None),
        ({}, {}, [], None),
    ],
)
def test_detect(
    tmp_path: Path,
    files: dict[str, str],
    dmi: dict[str, str],
    cpu: list[dict[str, str]],
    expected: str | None,
) -> None:
    for name, text in files.items():  # sys/... under the sysfs root, the rest under the rootfs
        path = tmp_path / (name if name.startswith("sys/") else f"root/{name}")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    assert detect(tmp_path / "root", tmp_path / "sys", dmi, cpu) == expected
