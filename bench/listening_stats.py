"""Listening stats and history pages at 10M listens on PostgreSQL: our indexes against a naive table.

Fills a database of its own (POSTGRES_NAME, default juke_h_listen_bench: migrated here) with synthetic
users, catalog tracks and listens made by generate_series (skewed: a few heavy listeners, popular tracks),
copies the listens into `bench_listen_naive` with only a user_id index (what a plain ForeignKey gives), and
times the exact SQL that `listening.selectors.listen_stats` and `listen_list` send, against both tables,
for users drawn at random (fixed seed). Stats are six queries per call; the time is for all six.

    POSTGRES_HOST=127.0.0.1 POSTGRES_USER=postgres .venv/bin/python bench/listening_stats.py [--listens 10000000]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings.base")
os.environ.setdefault("POSTGRES_NAME", "juke_h_listen_bench")
os.environ.setdefault("POSTGRES_HOST", "127.0.0.1")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from bench.machine import machine_header  # noqa: E402
from juke_auth.models import JukeUser  # noqa: E402
from listening.selectors import listen_list, listen_stats  # noqa: E402

NAIVE_TABLE = "bench_listen_naive"
ARTISTS, TRACKS, GENRES = 20_000, 200_000, 300
NOW = datetime(2026, 12, 1, tzinfo=UTC)


def run_sql(sql: str, params=None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def count_listens() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM listening_listen")
        return cursor.fetchone()[0]


def fill(listens: int, users: int) -> None:
    """Catalog, users and listens by generate_series; listens loaded without indexes, which are then rebuilt."""
    print(f"Filling: {users} users, {TRACKS} tracks, {listens} listens ...", flush=True)
    started = time.perf_counter()
    run_sql(
        f"""INSERT INTO catalog_genre (spotify_id, name, spotify_data, custom_data, images, created_at, modified_at)
        SELECT 'bench-genre-' || g, 'genre ' || g, '{{}}', '{{}}', '[]', now(), now() FROM generate_series(1, {GENRES}) g"""
    )
    run_sql(
        f"""INSERT INTO catalog_artist (spotify_id, name, spotify_data, custom_data, images, created_at, modified_at)
        SELECT 'bench-artist-' || a, 'Artist ' || a, '{{}}', '{{}}', '[]', now(), now() FROM generate_series(0, {ARTISTS - 1}) a"""
    )
    run_sql(
        """INSERT INTO catalog_artist_genres (artist_id, genre_id)
        SELECT a.id, g.id FROM catalog_artist a JOIN catalog_genre g
          ON g.spotify_id IN ('bench-genre-' || (1 + abs(hashtext(a.spotify_id)) % 300),
                              'bench-genre-' || (1 + abs(hashtext(a.name)) % 300))"""
    )
    run_sql(
        f"""INSERT INTO catalog_track (spotify_id, name, spotify_data, custom_data, images, created_at, modified_at,
            track_number, disc_number, duration_ms, explicit)
        SELECT 'bench-track-' || t, 'Track ' || t, '{{}}', '{{}}', '[]', now(), now(), 1, 1,
               120000 + (t * 7919) % 240000, false FROM generate_series(0, {TRACKS - 1}) t"""
    )
    run_sql(
        f"""INSERT INTO catalog_track_artists (track_id, artist_id)
        SELECT t.id, a.id FROM catalog_track t
        JOIN catalog_artist a ON a.spotify_id = 'bench-artist-' || (substr(t.spotify_id, 13)::int % {ARTISTS})"""
    )
    run_sql(
        f"""INSERT INTO juke_auth_jukeuser (password, is_superuser, username, first_name, last_name, is_staff,
            is_active, date_joined)
        SELECT '!', false, 'bench-' || u, '', '', false, true, now() FROM generate_series(0, {users - 1}) u"""
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'listening_listen' AND indexname <> 'listening_listen_pkey'"
        )
        indexes = cursor.fetchall()
        cursor.execute("SELECT min(id) FROM juke_auth_jukeuser WHERE username LIKE 'bench-%%'")
        first_user = cursor.fetchone()[0]
        cursor.execute("SELECT min(id) FROM catalog_track WHERE spotify_id LIKE 'bench-track-%%'")
        first_track = cursor.fetchone()[0]
    constraint = "listen_unique_per_user_time_song"
    run_sql(f"ALTER TABLE listening_listen DROP CONSTRAINT IF EXISTS {constraint}")
    for name, _ in indexes:
        run_sql(f"DROP INDEX IF EXISTS {name}")
    chunk = 1_000_000
    for start in range(0, listens, chunk):
        size = min(chunk, listens - start)
        # user ~ N*r^2: a few heavy listeners, a long tail; track ~ T*r^3: popular tracks; 85% matched.
        run_sql(
            f"""INSERT INTO listening_listen (user_id, listened_at, track_id, artist_name, track_name, release_name,
                spotify_id, isrc, duration_ms, source, additional_info, fingerprint, created_at)
            SELECT {first_user} + u, %s - random() * interval '730 days',
                   CASE WHEN m < 0.85 THEN {first_track} + t END,
                   'Artist ' || (t %% {ARTISTS}), 'Track ' || t, CASE WHEN m < 0.5 THEN 'Album ' || (t / 10) ELSE '' END,
                   '', '', CASE WHEN m < 0.3 THEN 120000 + (t * 7919) %% 240000 END, 'scrobbler', '{{}}',
                   md5('Artist ' || (t %% {ARTISTS})) || md5('Track ' || t), now()
            FROM (SELECT floor({users} * random() ^ 2)::int AS u, floor({TRACKS} * random() ^ 3)::int AS t,
                         random() AS m FROM generate_series(1, {size})) AS s""",
            [NOW],
        )
        print(f"  {start + size} listens ({time.perf_counter() - started:.0f} s)", flush=True)
    print("  de-duplicating and rebuilding indexes ...", flush=True)
    run_sql(
        """DELETE FROM listening_listen l USING listening_listen d
        WHERE d.user_id = l.user_id AND d.listened_at = l.listened_at AND d.fingerprint = l.fingerprint AND d.id < l.id"""
    )
    run_sql(f"ALTER TABLE listening_listen ADD CONSTRAINT {constraint} UNIQUE (user_id, listened_at, fingerprint)")
    for name, definition in indexes:
        if name != constraint:
            run_sql(definition)
    print(f"  filled in {time.perf_counter() - started:.0f} s", flush=True)


def make_naive() -> None:
    print("Copying listens to the naive table (user_id index only) ...", flush=True)
    run_sql(f"DROP TABLE IF EXISTS {NAIVE_TABLE}")
    run_sql(f"CREATE TABLE {NAIVE_TABLE} AS SELECT * FROM listening_listen")
    run_sql(f"CREATE INDEX {NAIVE_TABLE}_user ON {NAIVE_TABLE} (user_id)")


def vacuum() -> None:
    connection.ensure_connection()
    previous = connection.connection.autocommit
    connection.connection.autocommit = True
    try:
        for table in (
            "listening_listen",
            NAIVE_TABLE,
            "catalog_track",
            "catalog_track_artists",
            "catalog_artist_genres",
        ):
            run_sql(f"VACUUM ANALYZE {table}")
    finally:
        connection.connection.autocommit = previous


def captured(call) -> list[tuple[str, tuple]]:
    """The SQL statements (with parameters) a selector call sends."""
    statements = []

    def record(execute, sql, params, many, context):
        statements.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        call()
    return statements


def timed(statements: list[tuple[str, tuple]], *, naive: bool) -> float:
    with connection.cursor() as cursor:
        started = time.perf_counter()
        for sql, params in statements:
            if naive:
                sql = sql.replace('"listening_listen"', f'"{NAIVE_TABLE}"')
            cursor.execute(sql, params)
            cursor.fetchall()
        return (time.perf_counter() - started) * 1000


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def measure(users: list[JukeUser], label: str, make_call) -> dict:
    ours, naive = [], []
    for user in users:
        statements = captured(lambda user=user: make_call(user))
        timed(statements, naive=False)  # warm the cache like a repeated request would; then measure both
        timed(statements, naive=True)
        ours.append(timed(statements, naive=False))
        naive.append(timed(statements, naive=True))
    return {
        "label": label,
        "ours_p50": statistics.median(ours),
        "ours_p95": percentile(ours, 0.95),
        "naive_p50": statistics.median(naive),
        "naive_p95": percentile(naive, 0.95),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--listens", type=int, default=10_000_000)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--sample", type=int, default=100)
    parser.add_argument("--heavy", type=int, default=10, help="also time the N users with the most listens")
    args = parser.parse_args()
    print(machine_header(), flush=True)
    call_command("migrate", verbosity=0)
    if count_listens() == 0:
        fill(args.listens, args.users)
        make_naive()
        vacuum()
    total = count_listens()
    print(f"{total} listens in listening_listen", flush=True)

    rng = random.Random(8)
    bench_users = list(JukeUser.objects.filter(username__startswith="bench-").order_by("id"))
    sample = rng.sample(bench_users, min(args.sample, len(bench_users)))
    heavy = bench_users[: args.heavy]  # the skew puts the heaviest listeners at the lowest ids
    rows = []
    for range_name in ("week", "month", "year", "all_time"):
        rows.append(
            measure(sample, f"stats {range_name}", lambda u, r=range_name: listen_stats(user=u, range_name=r, now=NOW))
        )
    rows.append(measure(sample, "history page 1 (25)", lambda u: listen_list(user=u, limit=25)))
    rows.append(
        measure(
            sample,
            "history page a year back",
            lambda u: listen_list(user=u, before=NOW - timedelta(days=365), before_id=0, limit=25),
        )
    )
    for range_name in ("month", "all_time"):
        rows.append(
            measure(
                heavy,
                f"stats {range_name}, {args.heavy} heaviest users",
                lambda u, r=range_name: listen_stats(user=u, range_name=r, now=NOW),
            )
        )
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM listening_listen WHERE user_id = %s", [heavy[0].pk])
        heaviest = cursor.fetchone()[0]
    print(f"\n{total} listens, {len(bench_users)} users, {len(sample)} sampled users; heaviest user {heaviest} listens")
    print("\n| query | naive p50 / ours p50 | ours p50 ms | ours p95 ms | naive p50 ms | naive p95 ms |")
    print("|---|---|---|---|---|---|")
    for row in rows:
        ratio = row["naive_p50"] / row["ours_p50"] if row["ours_p50"] else float("inf")
        print(
            f"| {row['label']} | {ratio:.1f}x | {row['ours_p50']:.1f} | {row['ours_p95']:.1f} | "
            f"{row['naive_p50']:.1f} | {row['naive_p95']:.1f} |"
        )
    print(machine_header(end=True))


if __name__ == "__main__":
    main()
