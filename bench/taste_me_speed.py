"""Latency of GET /api/v1/recommendations/me/ through gunicorn for a user with 10,000 listens.

    POSTGRES_HOST=127.0.0.1 POSTGRES_NAME=juke_h_taste_bench .venv/bin/python bench/taste_me_speed.py --prepare

`--prepare` migrates, imports the shared catalog (../shared/data/spotify_songs.csv) when the database is empty,
turns 2,000 of its playlists into listeners (each plays its playlist's tracks), gives the bench user 10,000
listens spread over two years (tracks of 40 playlists, repeats included), and retrains (the collaborative model
is then deployed). Then it starts the engine (uvicorn) and the API (gunicorn, 2 sync workers, DEBUG off) and
sends sequential GETs from one keep-alive client: the taste path right after a new listen (the cached taste
is stale, so it is rebuilt from all 10,000 listens), the taste path when nothing changed (mode=discover, the
default, which also excludes what the user plays often, and mode=familiar), and side by side the profile path
of a user with no listens. Statuses are counted; warm-up requests are excluded.

`--old-tree PATH` serves another checkout (say main) from a second gunicorn on the same engine and database,
and sends every request to both (alternating which goes first), so old and new are compared in one run:

    CACHE_URL=redis://127.0.0.1:6379/3 POSTGRES_HOST=127.0.0.1 POSTGRES_NAME=juke_recs_taste_bench \
        .venv/bin/python bench/taste_me_speed.py --requests 400 --old-tree /work/main
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

import httpx

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings.base")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.machine import machine_header  # noqa: E402
from bench.recommender_api_speed import percentile, start_api  # noqa: E402
from bench.taste_quality import SHARED  # noqa: E402
from catalog.models import Artist, Track  # noqa: E402
from juke_auth.models import JukeUser, MusicProfile  # noqa: E402
from juke_auth.services.tokens import auth_token_issue  # noqa: E402
from listening.models import Listen, ListenSource  # noqa: E402
from listening.services.ingest import ListenInput, listens_ingest  # noqa: E402
from recommender.selectors import model_artifact_get_active  # noqa: E402
from tests.plugins.engine_server import database_env, start_engine, stop_engine  # noqa: E402

CSV_PATH = SHARED / "spotify_songs.csv"
LISTENERS = 2000
BENCH_LISTENS = 10_000


def _listens(user: JukeUser, tracks: list[Track], when: list, tag: str) -> list[Listen]:
    return [
        Listen(
            user=user,
            listened_at=moment,
            track=track,
            artist_name="",
            track_name=track.name,
            source="import",
            fingerprint=f"{tag}-{n}",
        )
        for n, (track, moment) in enumerate(zip(tracks, when, strict=True))
    ]


def prepare() -> None:
    call_command("migrate", verbosity=0)
    if not Track.objects.exists():
        call_command("import_catalog", str(CSV_PATH), "--no-progress")
    playlists: dict[str, list[str]] = defaultdict(list)
    with CSV_PATH.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            playlists[row["playlist_id"]].append(row["track_id"])
    by_spotify_id = dict(Track.objects.values_list("spotify_id", "id"))
    tracks = {track.id: track for track in Track.objects.only("id", "name")}
    rng = random.Random(0)
    now = timezone.now()
    names = sorted(playlists)
    if not Listen.objects.exists():
        for n, name in enumerate(names[:LISTENERS]):
            user, _ = JukeUser.objects.get_or_create(
                username=f"bench-playlist-{n}", defaults={"email": f"p{n}@juke.local"}
            )
            members = [tracks[by_spotify_id[s]] for s in playlists[name] if s in by_spotify_id]
            moments = [now - timedelta(days=rng.uniform(0, 730)) for _ in members]
            Listen.objects.bulk_create(_listens(user, members, moments, name), batch_size=5000)
        user, _ = JukeUser.objects.get_or_create(username="bench-heavy", defaults={"email": "heavy@juke.local"})
        pool = [tracks[by_spotify_id[s]] for name in names[-40:] for s in playlists[name] if s in by_spotify_id]
        chosen = [rng.choice(pool) for _ in range(BENCH_LISTENS)]
        moments = [now - timedelta(days=rng.uniform(0, 730)) for _ in chosen]
        Listen.objects.bulk_create(_listens(user, chosen, moments, "heavy"), batch_size=5000)
    call_command("retrain", "--no-progress")


def tokens() -> tuple[str, str]:
    heavy = JukeUser.objects.get(username="bench-heavy")
    fresh, _ = JukeUser.objects.get_or_create(username="bench-profile-only", defaults={"email": "fresh@juke.local"})
    artists = list(Artist.objects.order_by("-popularity", "id")[:3])
    MusicProfile.objects.update_or_create(
        user=fresh, defaults={"favorite_artists": [a.spotify_id for a in artists], "favorite_genres": ["hard rock"]}
    )
    return auth_token_issue(user=heavy), auth_token_issue(user=fresh)


def _new_listen(i: int) -> None:
    """A listen arrives (through the ingest service, as every source sends it): the taste's cache key changes, so
    the next GET of each tree rebuilds it."""
    heavy = JukeUser.objects.get(username="bench-heavy")
    track = Track.objects.order_by("?").first()
    listen = ListenInput(
        listened_at=timezone.now() - timedelta(seconds=i),
        artist_name=f"bench artist {i}",
        track_name=track.name,
        track_id=track.id,
    )
    listens_ingest(user=heavy, listens=[listen], source=ListenSource.IMPORT)


def _measure(apis: dict[str, str], cases: dict, requests: int) -> tuple[dict, dict]:
    """Sequential GETs, every case in turn, each request sent to every tree (alternating which goes first)."""
    timings: dict[tuple[str, str], list[float]] = {(tree, label): [] for tree in apis for label in cases}
    statuses: dict[int, int] = defaultdict(int)
    clients = {tree: httpx.Client(base_url=url, timeout=30) for tree, url in apis.items()}
    try:
        for i in range(requests + 30):
            label = list(cases)[i % len(cases)]
            token, params = cases[label]
            if params.get("new"):
                _new_listen(i)
                params = {}
            order = list(apis) if (i // len(cases)) % 2 == 0 else list(reversed(apis))
            for tree in order:
                started = time.perf_counter()
                response = clients[tree].get(
                    "/api/v1/recommendations/me/", params=params, headers={"Authorization": f"Token {token}"}
                )
                elapsed = (time.perf_counter() - started) * 1000
                statuses[response.status_code] += 1
                if i >= 30:
                    timings[(tree, label)].append(elapsed)
    finally:
        for client in clients.values():
            client.close()
    return timings, statuses


def _print_table(timings: dict, cases: dict, trees: list[str]) -> None:
    if len(trees) == 2:
        print("| GET /recommendations/me/ | p50 new/old | old p50 ms | new p50 ms | old p99 ms | new p99 ms | n each |")
        print("|---|---|---|---|---|---|---|")
        for label in cases:
            old, new = timings[("old", label)], timings[("new", label)]
            ratio = statistics.median(new) / statistics.median(old)
            print(
                f"| {label} | {ratio:.2f}x | {statistics.median(old):.1f} | {statistics.median(new):.1f} | "
                f"{percentile(old, 0.99):.1f} | {percentile(new, 0.99):.1f} | {len(new)} |"
            )
        return
    print("| GET /recommendations/me/ | n | p50 ms | p99 ms |")
    print("|---|---|---|---|")
    for label in cases:
        values = timings[("new", label)]
        print(f"| {label} | {len(values)} | {statistics.median(values):.1f} | {percentile(values, 0.99):.1f} |")


def _engine_alone(engine_url: str, requests: int) -> str:
    """p50 and p99 of the engine's part: the request /me/ (mode=discover) sends, posted straight to the engine."""
    from recommender.services.embeddings import model_get_active  # noqa: PLC0415 - Django is set up by now
    from recommender.services.taste import taste_get  # noqa: PLC0415

    taste = taste_get(user=JukeUser.objects.get(username="bench-heavy"), model=model_get_active())
    body = {
        "seed_vectors": [taste.vector.tolist()],
        "exclude_spotify_ids": taste.played_often[:4000],
        "limit": 10,
        "include_vectors": True,
    }
    timings = []
    with httpx.Client(base_url=engine_url, timeout=30) as client:
        for i in range(requests + 10):
            started = time.perf_counter()
            client.post("/recommend", json=body).raise_for_status()
            if i >= 10:
                timings.append((time.perf_counter() - started) * 1000)
    return f"n {len(timings)}, p50 {statistics.median(timings):.1f} ms, p99 {percentile(timings, 0.99):.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--prepare", action="store_true")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument(
        "--old-tree", type=Path, help="another checkout (e.g. a worktree of main) served side by side as 'old'"
    )
    args = parser.parse_args()
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        sys.exit("Set POSTGRES_* to the bench database (PostgreSQL).")
    print(machine_header())
    if args.prepare:
        prepare()
    artifact = model_artifact_get_active()
    heavy_token, fresh_token = tokens()
    listens = Listen.objects.filter(user__username="bench-heavy").count()
    workdir = Path(tempfile.mkdtemp(prefix="taste-me-bench-"))
    engine, engine_url = start_engine(database_env(), workdir / "engine.log")
    cases = {
        f"taste, {listens} listens, mode=discover, after a new listen (taste rebuilt)": (heavy_token, {"new": True}),
        f"taste, {listens} listens, mode=discover": (heavy_token, {}),
        f"taste, {listens} listens, mode=familiar": (heavy_token, {"mode": "familiar"}),
        "profile only (no listens)": (fresh_token, {}),
        "floor: token auth, then 400 (mode=x, no other query)": (heavy_token, {"mode": "x"}),
    }
    trees = {"new": REPO_ROOT, **({"old": args.old_tree.resolve()} if args.old_tree else {})}
    processes = []
    try:
        apis = {}
        for tree, root in trees.items():
            process, apis[tree] = start_api(engine_url, workdir / f"api-{tree}.log", root=root)
            processes.append(process)
        timings, statuses = _measure(apis, cases, args.requests)
        engine_alone = _engine_alone(engine_url, args.requests // len(cases))
        print(f"trees: {', '.join(f'{tree} = {root}' for tree, root in trees.items())}")
        print(
            f"model {artifact.version if artifact else None}; {Track.objects.count()} tracks; statuses {dict(statuses)}"
        )
        _print_table(timings, cases, sorted(trees, reverse=True))
        print(f"engine alone, POST /recommend as /me/ (discover) sends it: {engine_alone}")
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=15)
        stop_engine(engine)
    print(machine_header(end=True))


if __name__ == "__main__":
    main()
