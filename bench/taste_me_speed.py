"""Latency of GET /api/v1/recommendations/me/ through gunicorn for a user with 10,000 listens.

    POSTGRES_HOST=127.0.0.1 POSTGRES_NAME=juke_h_taste_bench .venv/bin/python bench/taste_me_speed.py --prepare

`--prepare` migrates, imports the shared catalog (../shared/data/spotify_songs.csv) when the database is empty,
turns 2,000 of its playlists into listeners (each plays its playlist's tracks), gives the bench user 10,000
listens spread over two years (tracks of 40 playlists, repeats included), and retrains (the collaborative model
is then deployed). Then it starts the engine (uvicorn) and the API (gunicorn, 2 sync workers, DEBUG off) and
sends sequential GETs from one keep-alive client: the taste path right after a new listen (the cached taste
is stale, so it is rebuilt from all 10,000 listens), the taste path when nothing changed (mode=discover, the
default, which also excludes what the user plays often, and mode=familiar), and side by side the profile path
of a user with no listens (today's /me/). Statuses are counted; warm-up requests are excluded.
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
from listening.models import Listen  # noqa: E402
from recommender.selectors import model_artifact_get_active  # noqa: E402
from tests.plugins.engine_server import start_engine, stop_engine  # noqa: E402

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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--prepare", action="store_true")
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        sys.exit("Set POSTGRES_* to the bench database (PostgreSQL).")
    print(machine_header())
    if args.prepare:
        prepare()
    artifact = model_artifact_get_active()
    heavy_token, fresh_token = tokens()
    listens = Listen.objects.filter(user__username="bench-heavy").count()
    database = settings.DATABASES["default"]
    workdir = Path(tempfile.mkdtemp(prefix="taste-me-bench-"))
    engine, engine_url = start_engine(
        {
            "DATABASE_URL": None,
            "POSTGRES_NAME": database["NAME"],
            "POSTGRES_HOST": database["HOST"] or "127.0.0.1",
            "POSTGRES_USER": database["USER"] or "postgres",
            "POSTGRES_PASSWORD": database["PASSWORD"] or "",
            "POSTGRES_PORT": str(database["PORT"] or 5432),
        },
        workdir / "engine.log",
    )
    api = None
    cases = {
        f"taste, {listens} listens, mode=discover, after a new listen (taste rebuilt)": (heavy_token, {"new": True}),
        f"taste, {listens} listens, mode=discover": (heavy_token, {}),
        f"taste, {listens} listens, mode=familiar": (heavy_token, {"mode": "familiar"}),
        "profile only (no listens; today's path)": (fresh_token, {}),
    }
    try:
        api, api_url = start_api(engine_url, workdir / "api.log")
        timings: dict[str, list[float]] = {label: [] for label in cases}
        statuses: dict[int, int] = defaultdict(int)
        with httpx.Client(base_url=api_url, timeout=30) as client:
            for i in range(args.requests + 30):
                label = list(cases)[i % len(cases)]
                token, params = cases[label]
                if params.get("new"):  # a listen arrives: the taste's cache key changes, the next GET rebuilds it
                    heavy = JukeUser.objects.get(username="bench-heavy")
                    track = Track.objects.order_by("?").first()
                    Listen.objects.create(
                        user=heavy,
                        listened_at=timezone.now(),
                        track=track,
                        artist_name="",
                        track_name=track.name,
                        source="import",
                        fingerprint=f"bench-new-{i}",
                    )
                    params = {}
                started = time.perf_counter()
                response = client.get(
                    "/api/v1/recommendations/me/", params=params, headers={"Authorization": f"Token {token}"}
                )
                elapsed = (time.perf_counter() - started) * 1000
                statuses[response.status_code] += 1
                if i >= 30:
                    timings[label].append(elapsed)
        print(
            f"model {artifact.version if artifact else None}; {Track.objects.count()} tracks; statuses {dict(statuses)}"
        )
        print("| GET /recommendations/me/ | n | p50 ms | p99 ms |")
        print("|---|---|---|---|")
        for label, values in timings.items():
            print(f"| {label} | {len(values)} | {statistics.median(values):.1f} | {percentile(values, 0.99):.1f} |")
    finally:
        if api is not None:
            api.terminate()
            api.wait(timeout=15)
        stop_engine(engine)
    print(machine_header(end=True))


if __name__ == "__main__":
    main()
