"""The track search's ids query alone, old and new side by side: `EXPLAIN (ANALYZE, BUFFERS)` of the same searches.

The query is the one the API runs first for `?q=` (catalog.pagination: the ids of up to 1,001 matches).
"old" is a database whose search table stores plain upper-cased names (migration 0005), queried as main does
(`name LIKE UPPER(pattern)`); "new" one at migration 0006 (spaces stored as "q"), queried with the SQL this
tree's dialect builds. Both hold the same catalog. Queries alternate old/new, two-word and one-word searches
drawn like bench/catalog_http.py's; reports per database the execution time, the GIN index scan's time, the
candidates the index returned, and the buffers hit and read (p50/p99), with the machine and load.

    .venv/bin/python bench/search_sql.py --old-db juke_search2_1m_old --new-db juke_search2_1m --pg-port 5446
"""

import argparse
import os
import random
import statistics
import sys
from pathlib import Path

import django
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.catalog_http import WORDS
from bench.machine import machine_header

OLD_QUERY = (
    'SELECT "catalog_track"."id" FROM "catalog_track" WHERE "catalog_track"."id" IN '
    "(SELECT track_id FROM catalog_track_search WHERE name LIKE UPPER(%s)) LIMIT 1001"
)


def new_query(search: str) -> tuple[str, list]:
    """The ids query this tree runs for `search` (built by its catalog dialect, as the API builds it)."""
    from catalog.dialects import PostgresDialect  # noqa: PLC0415 - after Django is set up
    from catalog.models import Track  # noqa: PLC0415 - after Django is set up

    queryset = PostgresDialect().name_search(Track.objects.all(), search)
    sql, params = queryset.order_by().values_list("pk", flat=True)[:1001].query.sql_with_params()
    return sql, list(params)


def index_scan(node: dict) -> dict:
    if node["Node Type"] == "Bitmap Index Scan":
        return node
    found = [index_scan(child) for child in node.get("Plans", [])]
    return next((scan for scan in found if scan), {})


def explain(connection, sql: str, params: list) -> dict:
    plan = connection.execute(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}", params).fetchone()[0][0]
    top, index = plan["Plan"], index_scan(plan["Plan"])
    return {
        "ms": plan["Execution Time"],
        "index ms": index.get("Actual Total Time", 0.0),
        "candidates": index.get("Actual Rows", 0),
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
    os.environ.update(POSTGRES_HOST="127.0.0.1", POSTGRES_PORT=str(args.pg_port), POSTGRES_NAME=args.new_db)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings.base")
    django.setup()
    print(machine_header(), flush=True)
    rng = random.Random(7)
    kinds = {
        "two words": [f"{rng.choice(WORDS)} {rng.choice(WORDS)}" for _ in range(args.queries)],
        "one word": [rng.choice(WORDS) for _ in range(args.queries)],
    }
    dsn = "host=127.0.0.1 port={} user=postgres dbname={}"
    # Values bound client-side, as Django does: server-side binding would let PostgreSQL plan a LIKE on an
    # unknown pattern (a generic plan) after a few runs, which the API never does.
    connections = {
        label: psycopg.connect(dsn.format(args.pg_port, db), autocommit=True, cursor_factory=psycopg.ClientCursor)
        for label, db in (("old", args.old_db), ("new", args.new_db))
    }
    print("| search | db | execution ms p50 / p99 | index scan ms p50 / p99 | candidates p50 / p99 | "
          "matches p50 | buffers hit p50 / p99 | buffers read p50 / p99 |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|")
    for kind, searches in kinds.items():
        rows: dict[str, list[dict]] = {"old": [], "new": []}
        for search in searches:
            rows["old"].append(explain(connections["old"], OLD_QUERY, [f"%{search}%"]))
            rows["new"].append(explain(connections["new"], *new_query(search)))
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
