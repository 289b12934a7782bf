"""Release names as printed: endoflife.date's label templates filled, never a placeholder."""

from __future__ import annotations

from collector.obsolete.eol import shipped_products


def test_no_shipped_release_name_shows_a_placeholder() -> None:
    names = [r.name for product in shipped_products().values() for r in product.releases]
    assert names and not [name for name in names if "__" in name]


def test_a_codename_template_is_filled_from_the_release() -> None:
    debian, ubuntu = shipped_products()["debian"], shipped_products()["ubuntu"]
    assert (debian.release("12") or debian.releases[0]).name == "Debian 12 (Bookworm)"
    assert (ubuntu.release("22.04") or ubuntu.releases[0]).name == "Ubuntu 22.04 'Jammy Jellyfish'"
    assert shipped_products()["routeros"].releases[0].name.startswith("RouterOS 7.")


def test_a_placeholder_without_a_value_goes_with_its_brackets() -> None:
    from collector.obsolete.eol import _label

    template = {"releaseLabel": "__RELEASE_CYCLE__ (__CODENAME__)"}
    assert _label(template, {"releaseCycle": "9"}) == "9"
    assert _label({"releaseLabel": "__RELEASE_CYCLE__ '__CODENAME__'"}, {"releaseCycle": 5}) == "5"
