"""Latency of POST /api/v1/recommendations/ (and GET .../me/) through the real HTTP stack on the full catalog.

Starts the recommender engine (uvicorn) and the Django API (gunicorn, 2 sync workers, DEBUG off) on the
database named by POSTGRES_* (fill it first: `bench/recommender_quality.py --prepare`), signs in a bench user
with a real token, and sends sequential requests from one keep-alive client on 127.0.0.1, cycling through
seeds by artist name, by Juke URI, by track name, by genre, and "for me" (a profile with 3 favourite artists
and a genre). Default resource types (all three), limit 10.

    POSTGRES_HOST=127.0.0.1 POSTGRES_NAME=juke_h_reco_bench .venv/bin/python bench/recommender_api_speed.py
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings.base")

import django  # noqa: E402

django.setup()

import logging  # noqa: E402

logging.getLogger("httpx").setLevel(logging.WARNING)

from django.conf import settings  # noqa: E402

from catalog.models import Artist, Track  # noqa: E402
from juke_auth.models import JukeUser, MusicProfile  # noqa: E402
from juke_auth.services.tokens import auth_token_issue  # noqa: E402
from recommender.selectors import model_artifact_get_active  # noqa: E402
from tests.plugins.engine_server import database_env, free_port, start_engine, stop_engine  # noqa: E402

URL = "/api/v1/recommendations/"


def start_api(engine_url: str, log_path: Path, root: Path = REPO_ROOT) -> tuple[subprocess.Popen, str]:
    """gunicorn (2 workers, DEBUG off) serving the tree at `root` on a free port; waits for /healthz."""
    port = free_port()
    database = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "settings.base",
        "DJANGO_DEBUG": "false",
        "RECOMMENDER_ENGINE_BASE_URL": engine_url,
        "POSTGRES_NAME": database["NAME"],
        "POSTGRES_HOST": database["HOST"] or "127.0.0.1",
        "POSTGRES_USER": database["USER"] or "postgres",
    }
    log = log_path.open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "settings.wsgi",
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=root,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90  # a loaded shared machine can take a while to import Django twice
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base_url}/healthz", timeout=2).status_code in (200, 503):
                return process, base_url
        except httpx.HTTPError:
            time.sleep(0.2)
    process.terminate()
    raise RuntimeError(f"The API did not start:\n{log_path.read_text()[-3000:]}")


def bench_user(artists: list[Artist]) -> str:
    user, _ = JukeUser.objects.get_or_create(username="bench-listener", defaults={"email": "bench@juke.local"})
    MusicProfile.objects.update_or_create(
        user=user,
        defaults={"favorite_artists": [a.spotify_id for a in artists[:3]], "favorite_genres": ["hard rock"]},
    )
    return auth_token_issue(user=user)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=500)
    args = parser.parse_args()
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        sys.exit("Set POSTGRES_* to the bench database (PostgreSQL).")
    artifact = model_artifact_get_active()
    if artifact is None:
        sys.exit("No trained model: run bench/recommender_quality.py --prepare first.")
    rng = random.Random(0)
    artists = list(Artist.objects.filter(embedding__isnull=False).order_by("-popularity", "id")[:300])
    tracks = list(Track.objects.filter(embedding__isnull=False).order_by("-popularity", "id")[:300])
    genres = ["hard rock", "big room", "trap", "neo soul", "reggaeton", "dance pop", "permanent wave"]
    token = bench_user(artists)
    bodies = {
        "artist name": lambda: {"artists": [rng.choice(artists).name]},
        "Juke URI": lambda: {"seeds": [f"juke:artist:{rng.choice(artists).spotify_id}"]},
        "track name": lambda: {"tracks": [rng.choice(tracks).name]},
        "genre": lambda: {"genres": [rng.choice(genres)]},
        "for me (GET /me/)": None,
    }
    workdir = Path(tempfile.mkdtemp(prefix="reco-api-bench-"))
    engine, engine_url = start_engine(
        database_env(),
        workdir / "engine.log",
    )
    api = None
    try:
        api, api_url = start_api(engine_url, workdir / "api.log")
        timings: dict[str, list[float]] = {label: [] for label in bodies}
        statuses: dict[int, int] = {}
        with httpx.Client(base_url=api_url, headers={"Authorization": f"Token {token}"}, timeout=30) as client:
            labels = list(bodies)
            for i in range(args.requests + 25):
                label = labels[i % len(labels)]
                started = time.perf_counter()
                response = client.get(f"{URL}me/") if bodies[label] is None else client.post(URL, json=bodies[label]())
                elapsed = (time.perf_counter() - started) * 1000
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
                if i >= 25:  # warm-up excluded
                    timings[label].append(elapsed)
        every = [value for values in timings.values() for value in values]
        print(
            f"Recommendations API latency - {datetime.now(UTC):%Y-%m-%d %H:%M} UTC - {platform.node()}, "
            f"{os.cpu_count()} cores - model {artifact.version}"
        )
        print(
            f"Catalog: {Track.objects.count()} tracks, {Artist.objects.count()} artists; gunicorn 2 sync workers + "
            f"engine (uvicorn), PostgreSQL, sequential keep-alive client; statuses {statuses}"
        )
        print()
        print("| request | n | p50 ms | p99 ms |")
        print("|---|---|---|---|")
        for label, values in timings.items():
            print(f"| {label} | {len(values)} | {statistics.median(values):.1f} | {percentile(values, 0.99):.1f} |")
        print(f"| all | {len(every)} | {statistics.median(every):.1f} | {percentile(every, 0.99):.1f} |")
    finally:
        if api is not None:
            api.terminate()
            api.wait(timeout=15)
        stop_engine(engine)


if __name__ == "__main__":
    main()
