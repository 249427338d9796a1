"""The recommendation services of two trees side by side: same answers? how many SQL queries each?

Runs the same 19 requests (names, ids, URIs, genres, profiles, users' taste, similar items, /me/ from listens
and from a profile, the offline ranking, invalid seeds) through the services of this tree and of another
checkout (e.g. main), one process each, against one engine (this tree's) and one database (the taste bench's:
`bench/taste_me_speed.py --prepare`), and prints, per request, whether the answers are identical (everything
but `generated_at`) and the query count of each tree, cold (first call) and warm.

    POSTGRES_HOST=127.0.0.1 POSTGRES_NAME=juke_recs_taste_bench .venv/bin/python bench/recommender_old_new.py \\
        --old-tree /work/main
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
ANSWERS = Path(__file__).resolve().parent / "recommender_answers.py"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--old-tree", type=Path, required=True)
    args = parser.parse_args()
    sys.path.insert(0, str(REPO_ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings.base")
    from bench.machine import machine_header  # noqa: PLC0415 - after sys.path
    from bench.taste_me_speed import _engine_environment  # noqa: PLC0415 - sets Django up
    from tests.plugins.engine_server import start_engine, stop_engine  # noqa: PLC0415

    print(machine_header())
    workdir = Path(tempfile.mkdtemp(prefix="reco-old-new-"))
    engine, url = start_engine(_engine_environment(), workdir / "engine.log")
    answers = {}
    try:
        for tree, root in (("old", args.old_tree.resolve()), ("new", REPO_ROOT)):
            out = workdir / f"{tree}.json"
            environment = {**os.environ, "RECOMMENDER_ENGINE_BASE_URL": url, "CACHE_URL": ""}
            subprocess.run([sys.executable, str(ANSWERS), str(root), str(out)], check=True, env=environment)
            answers[tree] = json.loads(out.read_text())
    finally:
        stop_engine(engine)
    old, new = answers["old"], answers["new"]
    print(f"trees: old = {args.old_tree.resolve()}, new = {REPO_ROOT}")
    print("| request | same answer | queries old -> new (cold) | queries old -> new (warm) |")
    print("|---|---|---|---|")
    for name in old["answers"]:
        same = "yes" if old["answers"][name] == new["answers"][name] else "**no**"
        cold = f"{old['queries'][name]['cold']} -> {new['queries'][name]['cold']}"
        warm = f"{old['queries'][name]['warm']} -> {new['queries'][name]['warm']}"
        print(f"| {name} | {same} | {cold} | {warm} |")
    print(machine_header(end=True))


if __name__ == "__main__":
    main()
