"""Recommender quality on the catalog imported from spotify_songs.csv: subgenre precision@10 and playlist hit rate@50.

Needs a database holding that catalog and a trained model (the script can fill it):

    POSTGRES_HOST=127.0.0.1 POSTGRES_NAME=juke_h_reco_bench .venv/bin/python bench/recommender_quality.py --prepare

`--prepare` migrates, runs `import_catalog ../shared/data/spotify_songs.csv` when the catalog is empty, and
`retrain`. Audio features, popularity and tracks come from the database (as imported); the playlist columns
(subgenre labels, playlist membership) are read from the CSV for evaluation only.

Metrics (exact cosine top-k over all tracks, the seed itself excluded):
- subgenre P@10: for 1,000 random seed tracks, the share of the 10 nearest tracks that share a playlist
  subgenre with the seed (a track in several playlists has several subgenres).
- playlist hit@50: for every playlist with at least 10 tracks, seeded with 5 of its tracks (query =
  juke_ml.query.build_query_vector, as the engine does), the share of the 50 nearest other tracks that are
  in that playlist.

Variants:
- random: random unit vectors.
- name hash: today's engine, SHA-1-hashed names (track, album, artists) summed into a vector.
- audio only: the model's audio block alone (no playlist columns used at all).
- model, playlist columns out: fit and embedded with no genres (audio + popularity): the honest
  playlist-continuation number the issue asks for.
- model, held-out genres: the genre space fit on the artists of one half (split by artist), seeds drawn
  from the other half's tracks, and every track's genre input built from its artists' labels *excluding the
  playlists the track itself is in*.
- model as deployed (leaky): the vectors `retrain` stored. Artists' genres are the playlist genre/subgenre
  labels, so a track's own label is one of its inputs: this number overstates quality.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import os
import platform
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings.base")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

from catalog.models import (  # noqa: E402
    Album,
    Track,
    TrackAudioFeatures,
)
from juke_ml.model import fit_model, hashed_vector, l2_normalise  # noqa: E402
from juke_ml.query import build_query_vector  # noqa: E402
from recommender.models import TrackEmbedding  # noqa: E402
from recommender.selectors import model_artifact_get_active  # noqa: E402
from recommender.services.embeddings import AUDIO_FEATURE_FIELDS, model_get_active  # noqa: E402

CSV_PATH = REPO_ROOT.parent / "shared" / "data" / "spotify_songs.csv"


def prepare(csv_path: Path) -> None:
    call_command("migrate", verbosity=0)
    if not Track.objects.exists():
        call_command("import_catalog", str(csv_path), "--no-progress")
    if model_artifact_get_active() is None:
        call_command("retrain", "--no-progress")


def load(csv_path: Path):
    """Tracks of the database (ids, features, popularity, names) and the CSV's playlist labels per track."""
    rows = list(csv.DictReader(csv_path.open(newline="", encoding="utf-8")))
    tracks = list(Track.objects.values("id", "spotify_id", "name", "popularity", "album_id").order_by("id"))
    album_names = dict(Album.objects.values_list("id", "name"))
    artists_of: dict[int, list[str]] = defaultdict(list)
    for track_id, artist_name in Track.artists.through.objects.values_list("track_id", "artist__name"):
        artists_of[track_id].append(artist_name)
    features = {
        row.pop("track_id"): row for row in TrackAudioFeatures.objects.values("track_id", *AUDIO_FEATURE_FIELDS)
    }
    position = {track["spotify_id"]: index for index, track in enumerate(tracks)}
    subgenres: dict[int, set[str]] = defaultdict(set)
    playlists: dict[str, set[int]] = defaultdict(set)
    playlists_of: dict[int, set[str]] = defaultdict(set)
    # (artist, playlist) -> labels, to rebuild artists' genres without a given track's playlists.
    artist_playlist_labels: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for row in rows:
        index = position.get(row["track_id"])
        if index is None:
            continue
        subgenres[index].add(row["playlist_subgenre"])
        playlists[row["playlist_id"]].add(index)
        playlists_of[index].add(row["playlist_id"])
        artist_playlist_labels[row["track_artist"]][row["playlist_id"]] |= {
            row["playlist_genre"],
            row["playlist_subgenre"],
        }
    return {
        "tracks": tracks,
        "album_names": album_names,
        "artists_of": artists_of,
        "features": features,
        "subgenres": subgenres,
        "playlists": playlists,
        "playlists_of": playlists_of,
        "artist_playlist_labels": artist_playlist_labels,
    }


def subgenre_precision(vectors: np.ndarray, seeds: np.ndarray, subgenres, k: int = 10) -> float:
    hits = []
    for start in range(0, len(seeds), 250):
        chunk = seeds[start : start + 250]
        scores = vectors[chunk] @ vectors.T
        scores[np.arange(len(chunk)), chunk] = -np.inf
        top = np.argpartition(-scores, k, axis=1)[:, :k]
        for seed, neighbours in zip(chunk, top, strict=True):
            hits.append(np.mean([bool(subgenres[seed] & subgenres[int(n)]) for n in neighbours]))
    return float(np.mean(hits))


def playlist_hit_rate(vectors: np.ndarray, playlists: dict[str, set[int]], rng_seed: int, k: int = 50) -> float:
    rng = np.random.default_rng(rng_seed)
    rates = []
    for members in playlists.values():
        members = sorted(members)
        if len(members) < 10:
            continue
        seeds = rng.choice(members, 5, replace=False)
        query = build_query_vector(seed_vectors=vectors[seeds])
        scores = vectors @ query
        scores[seeds] = -np.inf
        top = np.argpartition(-scores, k)[:k]
        others = set(members) - {int(s) for s in seeds}
        rates.append(len(others & {int(t) for t in top}) / k)
    return float(np.mean(rates))


def name_hash_vectors(data, dimension: int) -> np.ndarray:
    vectors = []
    for track in data["tracks"]:
        parts = [track["name"], data["album_names"].get(track["album_id"], ""), *data["artists_of"][track["id"]]]
        # import_catalog keeps tracks that have an id but no names (4 in spotify_songs.csv): hash the id instead.
        parts = [part for part in parts if part] or [track["spotify_id"]]
        vectors.append(l2_normalise(np.sum([hashed_vector(part, dimension) for part in parts], axis=0)))
    return np.vstack(vectors)


def embed_all(model, data, genres_of) -> np.ndarray:
    return np.vstack(
        [
            model.embed(
                "track",
                {
                    "audio_features": data["features"].get(track["id"]),
                    "popularity": track["popularity"],
                    "genres": genres_of(index, track),
                },
            )[0]
            for index, track in enumerate(data["tracks"])
        ]
    )


def held_out_genres(data, index: int, track) -> list[str]:
    own = data["playlists_of"][index]
    labels: set[str] = set()
    for artist in data["artists_of"][track["id"]]:
        for playlist, playlist_labels in data["artist_playlist_labels"][artist].items():
            if playlist not in own:
                labels |= playlist_labels
    return sorted(labels)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--csv", type=Path, default=CSV_PATH)
    parser.add_argument("--prepare", action="store_true", help="migrate, import the CSV and retrain when needed")
    parser.add_argument("--seeds", type=int, default=1000)
    parser.add_argument("--random-seed", type=int, default=0)
    args = parser.parse_args()
    if args.prepare:
        prepare(args.csv)
    started = time.monotonic()
    model = model_get_active()
    if model is None:
        sys.exit("No trained model: run with --prepare (or `manage.py retrain`).")
    data = load(args.csv)
    tracks = data["tracks"]
    n = len(tracks)
    dimension = model.dimension
    rng = np.random.default_rng(args.random_seed)
    labelled = np.array([i for i in range(n) if data["subgenres"][i]])
    seeds = rng.choice(labelled, min(args.seeds, len(labelled)), replace=False)

    corpus = [{"audio_features": data["features"].get(t["id"]), "popularity": t["popularity"]} for t in tracks]
    artist_names = sorted(data["artist_playlist_labels"])
    artist_genres = {
        artist: sorted(set().union(*data["artist_playlist_labels"][artist].values())) for artist in artist_names
    }

    variants: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    random_vectors = rng.standard_normal((n, dimension))
    variants["random"] = (random_vectors / np.linalg.norm(random_vectors, axis=1, keepdims=True), seeds)
    variants["name hash (today's engine)"] = (name_hash_vectors(data, dimension), seeds)
    variants["audio features only"] = (
        np.vstack([model.embed("track", {"audio_features": data["features"].get(t["id"])})[0] for t in tracks]),
        seeds,
    )
    no_genre_model, _ = fit_model(tracks=corpus, artist_genres={}, dimension=dimension, version="bench-no-playlists")
    variants["model, playlist columns out"] = (embed_all(no_genre_model, data, lambda i, t: []), seeds)

    # Held out: genre space from half of the artists; seeds from tracks whose artists are all in the other half.
    def half(name: str) -> int:
        return hashlib.sha1(name.encode()).digest()[0] % 2

    train_artists = {artist: genres for artist, genres in artist_genres.items() if half(artist) == 0}
    held_model, held_metrics = fit_model(
        tracks=corpus, artist_genres=train_artists, dimension=dimension, version="bench-held-out"
    )
    held_seed_pool = np.array([i for i in labelled if all(half(a) == 1 for a in data["artists_of"][tracks[i]["id"]])])
    held_seeds = rng.choice(held_seed_pool, min(args.seeds, len(held_seed_pool)), replace=False)
    variants["model, held-out genres"] = (
        embed_all(held_model, data, lambda i, t: held_out_genres(data, i, t)),
        held_seeds,
    )

    stored = dict(TrackEmbedding.objects.filter(model_version=model.version).values_list("track_id", "vector"))
    deployed = np.vstack([np.frombuffer(bytes(stored[t["id"]]), dtype="<f4") for t in tracks])
    variants["model as deployed (leaky)"] = (deployed, seeds)

    results = []
    for label, (vectors, variant_seeds) in variants.items():
        vectors = np.asarray(vectors, dtype=np.float32)
        results.append(
            (
                label,
                subgenre_precision(vectors, variant_seeds, data["subgenres"]),
                playlist_hit_rate(vectors, data["playlists"], args.random_seed),
            )
        )
    playlists_used = sum(1 for members in data["playlists"].values() if len(members) >= 10)
    artifact = model_artifact_get_active()
    print(
        f"Recommender quality - {datetime.now(UTC):%Y-%m-%d %H:%M} UTC - {platform.node()}, "
        f"{os.cpu_count()} cores - model {model.version}"
    )
    print(
        f"Catalog: {n} tracks, {len(artist_genres)} artists in the CSV, {artifact.metrics.get('genres')} genres; "
        f"explained variance audio {artifact.metrics.get('audio_explained_variance'):.1%}, genre "
        f"{artifact.metrics.get('genre_explained_variance'):.1%} (held-out fit: "
        f"{held_metrics['genre_explained_variance']:.1%}); {len(seeds)} seed tracks "
        f"({len(held_seeds)} held-out), {playlists_used} playlists with >= 10 tracks."
    )
    print()
    print("| variant | subgenre P@10 | playlist hit@50 |")
    print("|---|---|---|")
    for label, precision, hit_rate in results:
        print(f"| {label} | {precision:.3f} | {hit_rate:.3f} |")
    print(f"\n({time.monotonic() - started:.0f} s)")


if __name__ == "__main__":
    main()
