"""The README and docs/ link only to files inside the repository, and every link resolves;
the README's test command is the one CI runs."""

from __future__ import annotations

import re
from pathlib import Path

from tests.peers.common import REPO

LINK = re.compile(r"\]\(([^)\s]+)\)")
PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]


def _targets(page: Path) -> list[str]:
    return [t for t in LINK.findall(page.read_text(encoding="utf-8")) if "://" not in t]


def test_every_relative_link_resolves_inside_the_repository() -> None:
    broken = []
    for page in PAGES:
        for target in _targets(page):
            path = target.split("#", 1)[0]
            if not path:
                continue  # an anchor on the same page
            resolved = (page.parent / path).resolve()
            if not resolved.is_relative_to(REPO) or not resolved.exists():
                broken.append(f"{page.relative_to(REPO)}: {target}")
    assert broken == []


def test_the_readme_names_no_file_outside_the_repository() -> None:
    assert "../" not in (REPO / "README.md").read_text(encoding="utf-8")


def test_the_readme_test_command_is_what_ci_runs() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "```\ndeploy/check.sh\n```" in readme
    assert (REPO / ".ci/run").read_text(encoding="utf-8").rstrip().endswith("deploy/check.sh")
    assert "```\ndeploy/demo/run.sh\n```" in readme
