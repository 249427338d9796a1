"""Write a synthetic Spotify tracks export in the spotify_songs.csv layout (default 1,000,000 rows).

Deterministic (seeded). About 10% of rows repeat an earlier track with another playlist genre, like the
real file; ~100k albums and ~40k artists; names drawn from word lists so name searches have realistic hits.

    .venv/bin/python bench/catalog_make_synthetic.py --rows 1000000 --out bench/out/synthetic_1m.csv
"""

import argparse
import csv
import hashlib
import random
from pathlib import Path

HEADER = [
    "track_id",
    "track_name",
    "track_artist",
    "track_popularity",
    "track_album_id",
    "track_album_name",
    "track_album_release_date",
    "playlist_name",
    "playlist_id",
    "playlist_genre",
    "playlist_subgenre",
    "danceability",
    "energy",
    "key",
    "loudness",
    "mode",
    "speechiness",
    "acousticness",
    "instrumentalness",
    "liveness",
    "valence",
    "tempo",
    "duration_ms",
]
GENRES = {
    "pop": ["dance pop", "post-teen pop", "electropop", "indie poptimism"],
    "rap": ["hip hop", "southern hip hop", "gangster rap", "trap"],
    "rock": ["album rock", "classic rock", "permanent wave", "hard rock"],
    "latin": ["tropical", "latin pop", "reggaeton", "latin hip hop"],
    "r&b": ["urban contemporary", "hip pop", "new jack swing", "neo soul"],
    "edm": ["electro house", "big room", "pop edm", "progressive electro house"],
}
WORDS = [
    "love",
    "night",
    "fire",
    "summer",
    "dance",
    "heart",
    "rain",
    "dream",
    "gold",
    "home",
    "run",
    "light",
    "blue",
    "stay",
    "wild",
    "forever",
    "city",
    "tonight",
    "alone",
    "highway",
    "sugar",
    "shadows",
    "ocean",
    "faded",
    "paradise",
    "rebel",
    "fever",
    "memories",
    "sunrise",
    "river",
    "moon",
    "stars",
    "money",
    "crazy",
    "baby",
    "girl",
    "boy",
    "time",
    "life",
    "world",
    "party",
    "feel",
    "good",
    "bad",
    "young",
    "free",
    "lost",
    "falling",
    "broken",
    "sweet",
    "cold",
    "hot",
    "red",
    "black",
    "white",
]
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def spotify_like_id(seed: str) -> str:
    number = int.from_bytes(hashlib.blake2b(seed.encode(), digest_size=17).digest(), "big")
    chars = []
    for _ in range(22):
        number, digit = divmod(number, 62)
        chars.append(ALPHABET[digit])
    return "".join(chars)


def title(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS).capitalize() for _ in range(words))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=Path("bench/out/synthetic_1m.csv"))
    parser.add_argument("--id-prefix", default="", help="Makes every id different from another run's (top-ups).")
    args = parser.parse_args()
    rng = random.Random(1234 + len(args.id_prefix))
    n_artists = max(10, args.rows // 25)
    n_albums = max(10, args.rows // 10)
    artists = [f"{title(rng, 2)} {i}" if i % 3 else title(rng, 2) for i in range(n_artists)]
    albums = []
    for i in range(n_albums):
        year = rng.randint(1957, 2020)
        date = rng.choice(
            [f"{year}", f"{year}-{rng.randint(1, 12):02d}", f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"]
        )
        albums.append(
            (
                spotify_like_id(f"{args.id_prefix}album{i}"),
                title(rng, rng.randint(1, 3)),
                date,
                rng.randrange(n_artists),
            )
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    seen: list[int] = []
    with args.out.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        track_number = 0
        for row_number in range(args.rows):
            if seen and rng.random() < 0.1:
                number = rng.choice(seen)
            else:
                number = track_number
                track_number += 1
                seen.append(number)
            trng = random.Random(number)
            album_id, album_name, date, artist_index = albums[number % n_albums]
            genre = rng.choice(list(GENRES))
            writer.writerow(
                [
                    spotify_like_id(f"{args.id_prefix}track{number}"),
                    title(trng, trng.randint(1, 4)),
                    artists[artist_index],
                    trng.randint(0, 100),
                    album_id,
                    album_name,
                    date,
                    f"Playlist {row_number % 500}",
                    spotify_like_id(f"playlist{row_number % 500}"),
                    genre,
                    rng.choice(GENRES[genre]),
                    round(trng.random(), 3),
                    round(trng.random(), 3),
                    trng.randint(0, 11),
                    round(trng.uniform(-20, 0), 3),
                    trng.randint(0, 1),
                    round(trng.random() / 3, 4),
                    round(trng.random(), 4),
                    round(trng.random() / 2, 4),
                    round(trng.random() / 2, 4),
                    round(trng.random(), 3),
                    round(trng.uniform(60, 190), 3),
                    trng.randint(60_000, 420_000),
                ]
            )
    print(f"wrote {args.rows} rows ({track_number} distinct tracks) to {args.out}")


if __name__ == "__main__":
    main()
