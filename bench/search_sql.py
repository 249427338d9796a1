"""The track-search query alone, old and new side by side: `EXPLAIN (ANALYZE, BUFFERS)` of the same searches.

"old" is a database whose search table stores plain upper-cased names (migration 0005) and is queried as
main does (`name LIKE UPPER(pattern)`); "new" one at migration 0006 (spaces stored as "q"), queried as this
branch does. Both hold the same catalog. Queries alternate old/new, two-word and one-word searches drawn
like bench/catalog_http.py's; reports per database the execution time, the GIN index scan's share, the
candidates the index returned, and the buffers hit and read (p50/p99), with the machine and load.

    .venv/bin/python bench/search_sql.py --old-db juke_search2_1m_old --new-db juke_search2_1m --pg-port 5446
"""

import argparse
import random
import statistics
import sys
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.catalog_http import WORDS
from bench.machine import machine_header

QUERIES = {
    "old": "SELECT track_id FROM catalog_track_search WHERE name LIKE UPPER(%s)",
    "new": "SELECT track_id FROM catalog_track_search WHERE name LIKE translate(UPPER(%s), ' q', 'q ')",
}


def explain(connection, label: str, pattern: str) -> dict:
    row = connection.execute(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {QUERIES[label]}", [pattern]).fetchone()
    plan = row[0][0]
    top = plan["Plan"]
    index = top["Plans"][0] if top.get("Plans") else top
    return {
        "ms": plan["Execution Time"],
        "index ms": index["Actual Total Time"],
        "candidates": index["Actual Rows"],
        "matches": top["Actual Rows"],
        "hit": top["Shared Hit Blocks"],
        "read": top["Shared Read Blocks"],
    }


def summary(rows: list[dict], key: str) -> str:
    values = sorted(row[key] for row in rows)
    return f"{statistics.median(values):.1f} / {values[int(0.99 * (len(values) - 1))]:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--old-db", required=True)
    parser.add_argument("--new-db", required=True)
    parser.add_argument("--pg-port", type=int, default=5432)
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()
    print(machine_header(), flush=True)
    rng = random.Random(7)
    kinds = {
        "two words": [f"{rng.choice(WORDS)} {rng.choice(WORDS)}" for _ in range(args.queries)],
        "one word": [rng.choice(WORDS) for _ in range(args.queries)],
    }
    dsn = "host=127.0.0.1 port={} user=postgres dbname={}"
    connections = {
        "old": psycopg.connect(dsn.format(args.pg_port, args.old_db), autocommit=True),
        "new": psycopg.connect(dsn.format(args.pg_port, args.new_db), autocommit=True),
    }
    print("| search | db | execution ms p50 / p99 | index scan ms p50 / p99 | candidates p50 / p99 | "
          "matches p50 | buffers hit p50 / p99 | buffers read p50 / p99 |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|")
    for kind, searches in kinds.items():
        rows: dict[str, list[dict]] = {"old": [], "new": []}
        for search in searches:
            for label, connection in connections.items():
                rows[label].append(explain(connection, label, f"%{search}%"))
        for label, measured in rows.items():
            matches = statistics.median(row["matches"] for row in measured)
            print(f"| {kind} | {label} | {summary(measured, 'ms')} | {summary(measured, 'index ms')} | "
                  f"{summary(measured, 'candidates')} | {matches:.0f} | {summary(measured, 'hit')} | "
                  f"{summary(measured, 'read')} |")  # fmt: skip
        old, new = (statistics.median(row["ms"] for row in rows[label]) for label in ("old", "new"))
        print(f"| {kind} | old/new p50 | {old / new:.2f}x | | | | | |")
    print(machine_header(end=True))


if __name__ == "__main__":
    main()
