"""Helper of bench/recommender_old_new.py: one tree's answers and query counts (argv: tree root, output file).

Imports the tree's own code (it runs with the tree's root first on sys.path), so it only uses service names
both trees have.
"""

from __future__ import annotations

import json
import os
import sys

SEED_FIELDS = ("artists", "albums", "tracks", "genres", "seeds", "profiles", "users")


def _with_seed_request(service):
    """`service` called with seeds as keyword arguments, in both shapes: a SeedRequest, or (older trees) loose."""
    try:
        from recommender.services.seeds import SeedRequest  # noqa: PLC0415 - the tree's code, after sys.path
    except ImportError:
        return service

    def call(**arguments):
        seeds = {name: arguments.pop(name) for name in SEED_FIELDS if name in arguments}
        return service(request=SeedRequest(**seeds), **arguments)

    return call


def _cases(heavy, fresh, artists, tracks, albums) -> dict:
    from recommender.services.recommendations import (  # noqa: PLC0415 - the tree's code, after sys.path
        recommendation_list,
        recommendation_list_offline,
    )
    from recommender.services.recommendations import recommendation_list_for_user as me  # noqa: PLC0415
    from recommender.services.similar import recommendation_list_similar  # noqa: PLC0415

    rl, offline = _with_seed_request(recommendation_list), _with_seed_request(recommendation_list_offline)

    return {
        "artist name": lambda: rl(artists=[artists[0][0]]),
        "two artist names": lambda: rl(artists=[artists[1][0], artists[2][0]]),
        "artist name lower case + unknown name": lambda: rl(artists=[artists[3][0].lower(), "Nobody We Know"]),
        "bare Spotify id": lambda: rl(artists=[artists[4][1]]),
        "Juke URIs (artist, track)": lambda: rl(seeds=[f"juke:artist:{artists[5][1]}", f"juke:track:{tracks[0][1]}"]),
        "URI of another type + genre": lambda: rl(artists=[f"spotify:track:{tracks[1][1]}"], genres=["rock"]),
        "two track names, limit 20": lambda: rl(tracks=[tracks[2][0], tracks[3][0]], limit=20),
        "album + 3 genres (one unknown)": lambda: rl(albums=[albums[0][0]], genres=["pop", "hard rock", "polka"]),
        "genre only, artists only": lambda: rl(genres=["edm"], resource_types=["artists"]),
        "profile": lambda: rl(profiles=["bench-profile-only"]),
        "users (own taste) + artist": lambda: rl(users=["bench-heavy"], requester=heavy, artists=[artists[0][0]]),
        "seed weight 0.2": lambda: rl(artists=[artists[0][0], "Zzz Unknown"], seed_weight=0.2),
        "similar tracks": lambda: recommendation_list_similar(resource_type="track", identifier=tracks[0][1]),
        "me, 10k listens, discover": lambda: me(user=heavy),
        "me, 10k listens, familiar, limit 25": lambda: me(user=heavy, mode="familiar", limit=25),
        "me, profile only": lambda: me(user=fresh),
        "me, profile only, tracks": lambda: me(user=fresh, resource_types=["tracks"]),
        "offline (recommend --offline)": lambda: offline(artists=[artists[0][0]], genres=["rock"]),
        "invalid and unknown URIs, unknown profile": lambda: rl(
            seeds=["juke:artist:doesnotexist", "juke:x"], profiles=["ghost-x"]
        ),
    }


def main() -> None:
    root, out = sys.argv[1], sys.argv[2]
    sys.path.insert(0, root)
    os.chdir(root)
    os.environ["DJANGO_SETTINGS_MODULE"] = "settings.base"
    import django  # noqa: PLC0415

    django.setup()
    from django.db import connection  # noqa: PLC0415
    from django.test.utils import CaptureQueriesContext  # noqa: PLC0415

    from catalog.models import Album, Artist, Track  # noqa: PLC0415
    from juke_auth.models import JukeUser  # noqa: PLC0415
    from recommender.errors import EmptyProfile, NothingToRecommendFrom, SeedErrors  # noqa: PLC0415
    from recommender.serializers import RecommendationResponseSerializer  # noqa: PLC0415

    artists = list(Artist.objects.order_by("-popularity", "id").values_list("name", "spotify_id")[:6])
    tracks = list(Track.objects.order_by("-popularity", "id").values_list("name", "spotify_id")[:4])
    albums = list(Album.objects.order_by("id").values_list("name", "spotify_id")[:3])
    heavy, fresh = (JukeUser.objects.get(username=name) for name in ("bench-heavy", "bench-profile-only"))
    result: dict = {"answers": {}, "queries": {}}
    for name, call in _cases(heavy, fresh, artists, tracks, albums).items():
        for attempt in ("cold", "warm"):
            with CaptureQueriesContext(connection) as queries:
                try:
                    data = dict(RecommendationResponseSerializer(call()).data)
                    data.pop("generated_at")
                except (SeedErrors, NothingToRecommendFrom, EmptyProfile) as error:
                    data = {"error": type(error).__name__, "detail": str(getattr(error, "errors", error))}
            result["queries"].setdefault(name, {})[attempt] = len(queries.captured_queries)
        result["answers"][name] = json.loads(json.dumps(data, default=str))
    with open(out, "w", encoding="utf-8") as handle:
        json.dump(result, handle)


if __name__ == "__main__":
    main()
