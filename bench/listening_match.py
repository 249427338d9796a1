"""Re-matching unmatched listens by names (`listens_match_unmatched`): commits, and an index on LOWER(name).

Fills a database of its own (POSTGRES_NAME, default juke_lb_match_bench, created beforehand and migrated here)
with the shared catalog (`import_catalog` of spotify_songs.csv, ~28k tracks) and N unmatched listens that name
songs the way scrobblers do (names only, no Spotify id or ISRC): most name a catalog song, some with another
case or extra spaces, the rest songs the catalog does not know. Song popularity is skewed (a Zipf-like draw).
Then, per variant, every listen is unmatched again (`track_id = NULL`, VACUUM ANALYZE) and the real task runs:
the time of the whole task, and of its name look-ups (`_tracks_by_names`) alone. Variants:
- "UPDATE per group, no index (before)": the task as it was: an UPDATE per matched group (each its own
  commit), no name index; today's task with its store step swapped for the old one (`store_per_group`, the old
  loop as it was); run once (it is the slow one);
- "UPDATE per batch, no index" and "UPDATE per batch + LOWER(name) index (after)": today's task without and
  with the catalog index of catalog/migrations/0004 (dropped and re-created here), `--repeat` times each.

    createdb -h 127.0.0.1 -U postgres juke_lb_match_bench
    POSTGRES_HOST=127.0.0.1 POSTGRES_USER=postgres .venv/bin/python bench/listening_match.py [--listens 100000]

A larger catalog (the shared one plus a synthetic 1M-row export), in a database of its own:

    .venv/bin/python bench/catalog_make_synthetic.py --rows 1000000 --out bench/out/synthetic_1m.csv
    createdb -h 127.0.0.1 -U postgres juke_lb_match_bench_1m
    POSTGRES_NAME=juke_lb_match_bench_1m POSTGRES_HOST=127.0.0.1 POSTGRES_USER=postgres \
        .venv/bin/python bench/listening_match.py --extra-catalog bench/out/synthetic_1m.csv
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
os.environ.setdefault("POSTGRES_NAME", "juke_lb_match_bench")
os.environ.setdefault("POSTGRES_HOST", "127.0.0.1")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models.functions import Lower  # noqa: E402

from bench.machine import machine_header  # noqa: E402
from catalog.models import Track  # noqa: E402
from juke_auth.models import JukeUser  # noqa: E402
from listening.models import Listen, ListenSource  # noqa: E402
from listening.services import matching  # noqa: E402
from listening.services.ingest import listen_fingerprint  # noqa: E402

CATALOG_CSV = Path("/work/shared/data/spotify_songs.csv")
INDEX = "catalog_track_name_lower"
USERS = 200
KNOWN_SHARE = 0.7  # listens naming a catalog song; the rest name songs the catalog does not have
UNKNOWN_SONGS = 10_000
OLD = "UPDATE per group, no index (before)"
NO_INDEX = "UPDATE per batch, no index"
INDEXED = "UPDATE per batch + LOWER(name) index (after)"


def run_sql(sql: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql)


def index_exists() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_indexes WHERE indexname = %s", [INDEX])
        return cursor.fetchone() is not None


def set_index(*, present: bool) -> None:
    """Our migration's index, made present or absent (the migration itself names the same index)."""
    if present and not index_exists():
        run_sql(f'CREATE INDEX "{INDEX}" ON "catalog_track" (LOWER("name"))')
    if not present:
        run_sql(f'DROP INDEX IF EXISTS "{INDEX}"')
    run_sql("ANALYZE catalog_track")


def songs() -> list[tuple[str, str]]:
    """(artist, track) of every catalog track with a name and an artist, in id order."""
    pairs = (
        Track.objects.exclude(name="").filter(artists__isnull=False).order_by("id").values_list("artists__name", "name")
    )
    seen: dict[tuple[str, str], None] = {}
    for artist, name in pairs:
        seen.setdefault((artist, name), None)
    return list(seen)


def scrobbled(name: str, rng: random.Random) -> str:
    """The name as a scrobbler might send it: mostly as is, sometimes in another case or spacing."""
    roll = rng.random()
    if roll < 0.15:
        return name.lower()
    if roll < 0.25:
        return name.upper()
    if roll < 0.30:
        return f" {name}  "
    return name


def fill(listens: int, extra_catalog: Path | None) -> None:
    started = time.perf_counter()
    if not Track.objects.exists():
        call_command("import_catalog", str(CATALOG_CSV), "--no-progress", verbosity=0)
        if extra_catalog:
            call_command("import_catalog", str(extra_catalog), "--no-progress", "--defer-search-indexes", verbosity=0)
    catalog = songs()
    unknown = [(f"Unsigned Band {n % 2000}", f"Demo Song {n}") for n in range(UNKNOWN_SONGS)]
    users = [JukeUser.objects.create(username=f"bench-match-{n}") for n in range(USERS)]
    rng = random.Random(12)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    rows = []
    for number in range(listens):
        pool = catalog if rng.random() < KNOWN_SHARE else unknown
        artist, track = pool[int(len(pool) * rng.random() ** 3)]  # skewed: low indexes are the popular songs
        artist, track = scrobbled(artist, rng).strip(), scrobbled(track, rng).strip()
        rows.append(
            Listen(
                user=users[number % USERS],
                listened_at=start + timedelta(seconds=number * 317),
                artist_name=artist,
                track_name=track,
                source=ListenSource.SCROBBLER,
                fingerprint=listen_fingerprint(artist_name=artist, track_name=track),
            )
        )
    Listen.objects.bulk_create(rows, batch_size=5000, ignore_conflicts=True)
    print(
        f"filled {Listen.objects.count()} listens, {len(catalog)} catalog songs in {time.perf_counter() - started:.0f} s"
    )


def unmatch_all() -> None:
    run_sql("UPDATE listening_listen SET track_id = NULL WHERE track_id IS NOT NULL")
    run_sql("VACUUM ANALYZE listening_listen")


def store_per_group(*, groups, matches) -> int:
    """The task's store step before this change: one UPDATE per matched group, in autocommit."""
    updated = 0
    unmatched = Listen.objects.filter(track__isnull=True)
    for (fingerprint, spotify_id, isrc, artist, track), track_id in zip(groups, matches, strict=True):
        if track_id is not None:
            updated += unmatched.filter(
                fingerprint=fingerprint, spotify_id=spotify_id, isrc=isrc, artist_name=artist, track_name=track
            ).update(track_id=track_id)
    return updated


def timed_run(*, per_group: bool) -> tuple[float, float, int, int, float]:
    """(task s, s in name look-ups, listens matched, UPDATE statements, s in them) of one task run."""
    spent = [0.0]
    updates = [0]
    updating = [0.0]
    original = matching._tracks_by_names
    original_store = matching._matches_store

    def count_updates(execute, sql, params, many, context):
        if not sql.lstrip().upper().startswith("UPDATE"):
            return execute(sql, params, many, context)
        updates[0] += 1
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            updating[0] += time.perf_counter() - started

    def timed_names(keys):
        started = time.perf_counter()
        try:
            return original(keys)
        finally:
            spent[0] += time.perf_counter() - started

    matching._tracks_by_names = timed_names
    if per_group:
        matching._matches_store = store_per_group
    try:
        with connection.execute_wrapper(count_updates):
            started = time.perf_counter()
            matched = matching.listens_match_unmatched()
            return time.perf_counter() - started, spent[0], matched, updates[0], updating[0]
    finally:
        matching._tracks_by_names = original
        matching._matches_store = original_store


def explain_names_query() -> str:
    keys = [matching.TrackKey(spotify_id="", isrc="", artist_name=a, track_name=t) for a, t in songs()[:1000]]
    lowered = {key.track_name.lower() for key in keys}
    query = Track.objects.annotate(lowered_name=Lower("name")).filter(lowered_name__in=lowered)
    plan = query.values_list("id", "name", "artists__name").explain()
    return "\n".join(line for line in plan.splitlines() if "Scan" in line)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--listens", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-old", action="store_true", help="leave out the slow UPDATE-per-group run")
    parser.add_argument(
        "--extra-catalog",
        type=Path,
        help="also import this CSV (e.g. bench/out/synthetic_1m.csv from catalog_make_synthetic.py): a larger catalog",
    )
    args = parser.parse_args()
    print(machine_header(), flush=True)
    call_command("migrate", verbosity=0)
    if not Listen.objects.exists():
        fill(args.listens, args.extra_catalog)
    unmatched_groups = Listen.objects.values("fingerprint").distinct().count()
    print(
        f"{Listen.objects.count()} listens ({unmatched_groups} distinct songs), {Track.objects.count()} tracks",
        flush=True,
    )
    variants = {
        OLD: {"per_group": True, "index": False},
        NO_INDEX: {"per_group": False, "index": False},
        INDEXED: {"per_group": False, "index": True},
    }
    runs = [OLD] + [
        label
        for repeat in range(args.repeat)
        for label in ((NO_INDEX, INDEXED) if repeat % 2 == 0 else (INDEXED, NO_INDEX))
    ]
    if args.skip_old:
        runs.remove(OLD)
    results: dict[str, list[tuple[float, float, int, int, float]]] = {label: [] for label in variants}
    for label in runs:
        set_index(present=bool(variants[label]["index"]))
        unmatch_all()
        result = timed_run(per_group=bool(variants[label]["per_group"]))
        results[label].append(result)
        print(
            f"{label}: task {result[0]:.2f} s, names {result[1]:.2f} s, matched {result[2]}, "
            f"UPDATEs {result[3]} in {result[4]:.2f} s",
            flush=True,
        )
    for present in (False, True):
        set_index(present=present)
        print(f"names query plan, index={present}: {explain_names_query()}")
    set_index(present=True)  # leave the database as the migrations make it
    baseline = statistics.median(r[0] for r in results[OLD]) if results[OLD] else None
    print(
        "\n| variant | runs | task s (median) | before / this | name look-ups s | UPDATEs | UPDATE s | listens matched |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for label, rows in results.items():
        if not rows:
            continue
        task, names = statistics.median(r[0] for r in rows), statistics.median(r[1] for r in rows)
        writing = statistics.median(r[4] for r in rows)
        ratio = f"{baseline / task:.1f}x" if baseline else "-"
        print(
            f"| {label} | {len(rows)} | {task:.2f} | {ratio} | {names:.2f} | {rows[0][3]} | {writing:.2f} | {rows[0][2]} |"
        )
    print(machine_header(end=True))


if __name__ == "__main__":
    main()
