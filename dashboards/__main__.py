"""`python -m dashboards` writes dashboards/json/{vi,en}/*.json; `--check` exits 1 when they are
stale (differ from what the source builds), listing each stale or missing file."""

from __future__ import annotations

import argparse
import sys

from dashboards import build


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dashboards", description=__doc__)
    parser.add_argument("--check", action="store_true", help="exit 1 if the JSON is stale")
    args = parser.parse_args(argv)
    rendered = build.render_all()
    if args.check:
        problems = build.stale(rendered)
        for problem in problems:
            print(problem, file=sys.stderr)
        if problems:
            print("run `python -m dashboards` and commit dashboards/json/", file=sys.stderr)
        return 1 if problems else 0
    for path in build.JSON_DIR.rglob("*.json"):
        if path not in rendered:
            path.unlink()
    for path, text in rendered.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    print(f"wrote {len(rendered)} dashboards under {build.JSON_DIR}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
