"""`python -m dashboards --check`: the committed JSON is what the source builds, and a stale or
missing file makes it exit 1 naming the file."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from dashboards import build
from dashboards.__main__ import main
from tests.peers.common import REPO, subprocess_env

JSON_FILES = sorted(build.JSON_DIR.rglob("*.json"))


def test_committed_json_is_what_the_source_builds() -> None:
    done = subprocess.run(
        [str(REPO / ".venv/bin/python") if (REPO / ".venv/bin/python").exists() else "python3",
         "-m", "dashboards", "--check"],
        cwd=REPO, env=subprocess_env(), capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


def test_a_stale_or_missing_file_fails_the_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(build.JSON_DIR, tmp_path / "json")
    monkeypatch.setattr(build, "JSON_DIR", tmp_path / "json")
    assert main(["--check"]) == 0
    site = tmp_path / "json" / "vi" / "site.json"
    model = json.loads(site.read_text(encoding="utf-8"))
    model["title"] = "edited by hand"
    site.write_text(json.dumps(model), encoding="utf-8")
    (tmp_path / "json" / "en" / "system.json").unlink()
    assert main(["--check"]) == 1
    err = capsys.readouterr().err
    assert f"stale: {site}" in err and "missing:" in err and "system.json" in err
    assert main([]) == 0  # regenerating fixes both
    assert main(["--check"]) == 0


def test_both_languages_and_unique_uids() -> None:
    assert {p.parent.name for p in JSON_FILES} == {"vi", "en"}
    models = [json.loads(p.read_text(encoding="utf-8")) for p in JSON_FILES]
    uids = [m["uid"] for m in models]
    assert len(set(uids)) == len(uids) == len(build.DASHBOARDS) * 2
    for model in models:
        assert model["schemaVersion"] == 41  # Grafana 11.6
        ids = [p["id"] for p in model["panels"]]
        assert len(set(ids)) == len(ids)
    vi = json.loads((build.JSON_DIR / "vi" / "site.json").read_text(encoding="utf-8"))
    en = json.loads((build.JSON_DIR / "en" / "site.json").read_text(encoding="utf-8"))
    assert vi["title"] != en["title"] and "điểm" in vi["title"]
    assert [p["title"] for p in vi["panels"]] != [p["title"] for p in en["panels"]]
