"""Juke World globe query at 1M music profiles on PostgreSQL: p50 with the globe indexes and without them.

Creates (or reuses, with --reuse) the database `juke_bench_globe`, migrates it, fills it with 1,000,000 users and
profiles (70% with a city, clustered around 300 city centres; clout skewed so few are high, like a real
community), then times `music_profile_globe_points` for four views (world, continent, city, street) at their
zoom levels, with the two globe indexes and then with them dropped (sequential scan: the simple approach).

    .venv/bin/python bench/globe.py [--profiles 1000000] [--repeats 25] [--reuse]
"""

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.machine import machine_header  # noqa: E402

DB = "juke_bench_globe"
INDEXES = ("profile_globe_clout_idx", "profile_globe_box_idx")
# name, zoom, box height and width in degrees (None: the whole world)
VIEWS = [("world", 1, None), ("continent", 4, (40, 60)), ("region", 6, (12, 18)), ("city", 10, (1.0, 1.5)),
         ("street", 14, (0.1, 0.15))]  # fmt: skip


def setup_django() -> None:
    os.environ.update(
        POSTGRES_HOST=os.environ.get("POSTGRES_HOST", "127.0.0.1"),
        POSTGRES_USER=os.environ.get("POSTGRES_USER", "postgres"),
        POSTGRES_NAME=DB,
        DJANGO_SETTINGS_MODULE="settings.base",
    )
    os.environ.pop("DATABASE_URL", None)
    import django  # noqa: PLC0415 - after sys.path and Django are set up by main()

    django.setup()


def create_database(reuse: bool) -> bool:
    """True when the database has to be filled."""
    import psycopg  # noqa: PLC0415 - after sys.path and Django are set up by main()

    with psycopg.connect(host=os.environ["POSTGRES_HOST"], user=os.environ["POSTGRES_USER"], dbname="postgres") as conn:
        conn.autocommit = True
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB]).fetchone()
        if exists and reuse:
            return False
        conn.execute(f'DROP DATABASE IF EXISTS "{DB}"')
        conn.execute(f'CREATE DATABASE "{DB}"')
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=os.environ, check=True)
    return True


FILL_SQL = """
SELECT setseed(0.42);
CREATE TEMP TABLE centre AS
    SELECT n, (random() * 120 - 55) AS lat, (random() * 340 - 170) AS lng FROM generate_series(0, 299) n;
INSERT INTO juke_auth_jukeuser
    (password, username, first_name, last_name, email, is_superuser, is_staff, is_active, date_joined)
    SELECT '!', 'listener' || g, '', '', NULL, false, false, true, now() FROM generate_series(1, %(count)s) g;
INSERT INTO juke_auth_musicprofile
    (user_id, name, display_name, tagline, bio, location, avatar_url, favorite_genres, favorite_artists,
     favorite_albums, favorite_tracks, city_lat, city_lng, custom_data, clout, listens_public, created_at, modified_at)
    SELECT u.id, NULL, 'Listener ' || u.id, '', '', CASE WHEN p.has_city THEN 'City ' || p.c ELSE '' END, '',
           CASE WHEN random() < 0.8 THEN '["jazz", "soul"]'::jsonb ELSE '[]'::jsonb END,
           '[]', '[]', '[]',
           CASE WHEN p.has_city THEN round((greatest(-89, least(89, ce.lat + (random() + random() + random() - 1.5) * 3)))::numeric, 2) END,
           CASE WHEN p.has_city THEN round((greatest(-179, least(179, ce.lng + (random() + random() + random() - 1.5) * 4)))::numeric, 2) END,
           '{}', power(random(), 6), false, now(), now()
    FROM juke_auth_jukeuser u
    CROSS JOIN LATERAL (SELECT random() < 0.7 AS has_city, (random() * 299)::int AS c, u.id AS uid) p
    JOIN centre ce ON ce.n = p.c;
ANALYZE juke_auth_jukeuser;
ANALYZE juke_auth_musicprofile;
"""


def fill(count: int) -> None:
    from django.db import connection  # noqa: PLC0415 - after sys.path and Django are set up by main()

    started = time.perf_counter()
    with connection.cursor() as cursor:
        for statement in FILL_SQL.split(";"):
            if statement.strip():
                cursor.execute(statement, {"count": count})
    print(f"filled {count:,} users and profiles in {time.perf_counter() - started:.0f} s")


def boxes(view, repeats: int, rng: random.Random) -> list[dict]:
    from django.db import connection  # noqa: PLC0415 - after sys.path and Django are set up by main()

    _name, zoom, size = view
    if size is None:
        world = {"min_lat": -90, "max_lat": 90, "min_lng": -180, "max_lng": 180}
        return [{**world, "zoom": zoom, "limit": 5000}] * repeats
    with connection.cursor() as cursor:  # centre the boxes on real profiles, as a user looks where people are
        cursor.execute(
            "SELECT city_lat, city_lng FROM juke_auth_musicprofile WHERE city_lat IS NOT NULL ORDER BY id LIMIT 1000"
        )
        places = cursor.fetchall()
    height, width = size
    chosen = [rng.choice(places) for _ in range(repeats)]
    return [
        {"min_lat": lat - height / 2, "max_lat": lat + height / 2, "min_lng": lng - width / 2,
         "max_lng": lng + width / 2, "zoom": zoom, "limit": 5000}
        for lat, lng in chosen
    ]  # fmt: skip


def measure(repeats: int) -> dict[str, tuple[float, int]]:
    from juke_auth.selectors import music_profile_globe_points  # noqa: PLC0415 - after sys.path and Django are set up by main()

    results = {}
    for view in VIEWS:
        rng = random.Random(7)
        timings, sizes = [], []
        for params in boxes(view, repeats, rng):
            started = time.perf_counter()
            points = music_profile_globe_points(**params)
            timings.append((time.perf_counter() - started) * 1000)
            sizes.append(len(points))
        results[view[0]] = (statistics.median(timings), int(statistics.median(sizes)))
    return results


def set_indexes(present: bool) -> None:
    from django.db import connection  # noqa: PLC0415 - after sys.path and Django are set up by main()

    with connection.cursor() as cursor:
        if present:
            cursor.execute(
                "CREATE INDEX IF NOT EXISTS profile_globe_clout_idx ON juke_auth_musicprofile "
                "(clout DESC, city_lat, city_lng) WHERE city_lat IS NOT NULL AND city_lng IS NOT NULL"
            )
            cursor.execute(
                "CREATE INDEX IF NOT EXISTS profile_globe_box_idx ON juke_auth_musicprofile "
                "(city_lat, city_lng, clout DESC) WHERE city_lat IS NOT NULL AND city_lng IS NOT NULL"
            )
        else:
            for name in INDEXES:
                cursor.execute(f"DROP INDEX IF EXISTS {name}")
        cursor.execute("ANALYZE juke_auth_musicprofile")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=25)
    parser.add_argument("--reuse", action="store_true", help="keep an already filled juke_bench_globe")
    args = parser.parse_args()
    print(machine_header(), flush=True)
    setup_django()
    if create_database(args.reuse):
        fill(args.profiles)
    measure(3)  # warm the cache
    set_indexes(False)
    measure(3)
    without = measure(args.repeats)
    set_indexes(True)
    measure(3)
    with_indexes = measure(args.repeats)
    print(f"\n{args.profiles:,} profiles, p50 of {args.repeats} queries per view (ms), limit 5,000\n")
    print("| view (zoom) | points | with indexes | no index (seq scan) | ratio |")
    print("|---|---|---|---|---|")
    for name, zoom, _size in VIEWS:
        fast, points = with_indexes[name]
        slow, _ = without[name]
        print(f"| {name} ({zoom}) | {points:,} | {fast:.1f} | {slow:.1f} | {slow / fast:.1f}x |")
    print(machine_header(end=True))


if __name__ == "__main__":
    main()
