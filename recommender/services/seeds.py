"""Turn what a user asks for (names, Juke URIs, profiles' favourites, genres) into recommendation seeds.

A seed that matches a catalog item (case-insensitive name, bare Spotify id, `spotify:<type>:<id>` or
`juke:<type>:<id>` URI) becomes that item's stored vector and is excluded from the results by spotify_id.
A genre the active model knows becomes its genre vector. Only what does not resolve is forwarded to the
engine by name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from django.contrib.auth import get_user_model
from django.db.models import F

from catalog.models import Album, Artist, Track
from juke_ml.model import MusicModel
from recommender.errors import SeedErrors
from recommender.selectors import embedding_vectors_get

SEED_TYPES = ("artist", "album", "track")
PLURAL = {"artist": "artists", "album": "albums", "track": "tracks"}
CATALOG_MODELS: dict[str, type[Artist] | type[Album] | type[Track]] = {"artist": Artist, "album": Album, "track": Track}
# Spotify ids are 22 base-62 characters; catalog imports without ids make up ids with "-" (csv-artist-...).
URI_PATTERN = re.compile(r"^(juke|spotify):(artist|album|track):([0-9A-Za-z_-]{1,64})$")
BARE_SPOTIFY_ID = re.compile(r"^[0-9A-Za-z_-]{8,64}$")  # worth trying as an id before trying it as a name
LOOKS_LIKE_AN_ID = re.compile(r"^([0-9A-Za-z]{22}|[a-z]+-[a-z]+-[0-9a-f]{8,})$")  # never a name


@dataclass(frozen=True)
class CatalogSeed:
    resource_type: str  # artist | album | track
    item_id: int
    spotify_id: str
    name: str


@dataclass
class SeedSet:
    """Resolved seeds (items and genre vectors) and the names left for the engine."""

    items: list[CatalogSeed] = field(default_factory=list)
    vectors: list[np.ndarray] = field(default_factory=list)  # genre vectors first, then item vectors
    item_vectors: list[tuple[CatalogSeed, np.ndarray]] = field(default_factory=list)
    genre_seeds: list[str] = field(default_factory=list)
    names: dict[str, list[str]] = field(
        default_factory=lambda: {"artists": [], "albums": [], "tracks": [], "genres": []}
    )

    @property
    def exclude_spotify_ids(self) -> list[str]:
        return sorted({item.spotify_id for item in self.items})

    @property
    def is_empty(self) -> bool:
        return not self.vectors and not any(self.names.values())


def seed_uri_parse(uri: str) -> tuple[str, str]:
    """`juke:artist:<spotify_id>` (or `spotify:...`) -> ("artist", spotify_id); ValueError when malformed."""
    match = URI_PATTERN.match(uri.strip())
    if not match:
        raise ValueError(uri)
    return match.group(2), match.group(3)


def _by_spotify_id(resource_type: str, spotify_id: str) -> CatalogSeed | None:
    row = (
        CATALOG_MODELS[resource_type]
        ._default_manager.filter(spotify_id=spotify_id)
        .values("id", "spotify_id", "name")
        .first()
    )
    return CatalogSeed(resource_type, row["id"], row["spotify_id"], row["name"]) if row else None


def _by_name(resource_type: str, name: str) -> CatalogSeed | None:
    queryset = CATALOG_MODELS[resource_type]._default_manager.filter(name__iexact=name)
    if resource_type in ("artist", "track"):
        # Several items can share a name: the most popular one is the likeliest meant.
        queryset = queryset.order_by(F("popularity").desc(nulls_last=True), "id")
    else:
        queryset = queryset.order_by("id")
    row = queryset.values("id", "spotify_id", "name").first()
    return CatalogSeed(resource_type, row["id"], row["spotify_id"], row["name"]) if row else None


def catalog_reference_resolve(*, resource_type: str, reference: str) -> CatalogSeed | None:
    """A catalog item from a name (case-insensitive), a bare Spotify id, or a spotify:/juke: URI; None if unknown."""
    reference = reference.strip()
    if not reference:
        return None
    try:
        uri_type, spotify_id = seed_uri_parse(reference)
    except ValueError:
        pass
    else:
        return _by_spotify_id(uri_type, spotify_id) if uri_type == resource_type else None
    if BARE_SPOTIFY_ID.match(reference):
        found = _by_spotify_id(resource_type, reference)
        if found:
            return found
    return _by_name(resource_type, reference)


def _clean(values: Iterable[str] | None) -> list[str]:
    return sorted({str(value).strip() for value in values or () if str(value).strip()})


def _profile_favourites(usernames: Sequence[str]) -> tuple[dict[str, list[str]], list[str]]:
    """Favourites of the named users' music profiles merged per kind, and the usernames that do not exist."""
    user_model = get_user_model()
    favourites: dict[str, list[str]] = {"artists": [], "albums": [], "tracks": [], "genres": []}
    unknown = []
    for username in usernames:
        user = user_model.objects.filter(username=username).select_related("music_profile").first()
        if user is None:
            user = user_model.objects.filter(username__iexact=username).select_related("music_profile").first()
        if user is None:
            unknown.append(username)
            continue
        profile = getattr(user, "music_profile", None)
        if profile is None:
            continue
        for kind, values in (
            ("artists", profile.favorite_artists),
            ("albums", profile.favorite_albums),
            ("tracks", profile.favorite_tracks),
            ("genres", profile.favorite_genres),
        ):
            favourites[kind].extend(str(value) for value in values or [] if isinstance(value, str | int))
    return favourites, unknown


def _resolve_uris(uris: Iterable[str], found: dict[tuple[str, int], CatalogSeed]) -> list[str]:
    """Catalog items of `juke:`/`spotify:` URIs into `found`; returns the error messages."""
    errors = []
    for uri in _clean(uris):
        try:
            resource_type, spotify_id = seed_uri_parse(uri)
        except ValueError:
            errors.append(
                f"Invalid seed URI: '{uri}'. Use juke:artist:<spotify_id>, juke:album:<spotify_id> or "
                "juke:track:<spotify_id>."
            )
            continue
        item = _by_spotify_id(resource_type, spotify_id)
        if item is None:
            errors.append(f"Unknown seed: '{uri}' is not in the catalog.")
        else:
            found[(item.resource_type, item.item_id)] = item
    return errors


def _resolve_references(
    requested: dict[str, Sequence[str]],
    favourites: dict[str, list[str]],
    found: dict[tuple[str, int], CatalogSeed],
    result: SeedSet,
) -> None:
    """Names, ids and URIs of each type into `found`; what does not resolve is left for the engine by name."""
    for resource_type in SEED_TYPES:
        plural = PLURAL[resource_type]
        for reference in _clean(requested[plural]):
            item = catalog_reference_resolve(resource_type=resource_type, reference=reference)
            if item is None:
                result.names[plural].append(reference)  # the engine gets a chance to resolve it
            else:
                found[(item.resource_type, item.item_id)] = item
        for reference in _clean(favourites[plural]):
            item = catalog_reference_resolve(resource_type=resource_type, reference=reference)
            if item is not None:
                found[(item.resource_type, item.item_id)] = item
            elif not URI_PATTERN.match(reference) and not LOOKS_LIKE_AN_ID.match(reference):
                result.names[plural].append(reference)  # a favourite given by name; ids we don't have are dropped


def _resolve_genres(genres: Iterable[str], model: MusicModel | None, result: SeedSet) -> None:
    for genre in _clean(genres):
        vector = model.genre_vector(genre) if model is not None else None
        if vector is None:
            result.names["genres"].append(genre)
        else:
            result.vectors.append(vector)
            result.genre_seeds.append(genre)


def _attach_vectors(result: SeedSet) -> None:
    """Each resolved item's stored vector; an item not embedded yet is left to the engine by name."""
    for resource_type in SEED_TYPES:
        members = [item for item in result.items if item.resource_type == resource_type]
        if not members:
            continue
        stored = embedding_vectors_get(resource_type=resource_type, item_ids=[item.item_id for item in members])
        for item in members:
            vector = stored.get(item.item_id)
            if vector is None:
                # Not embedded yet: let the engine try its name (it is still excluded from the results).
                result.names[PLURAL[resource_type]].append(item.name)
            else:
                array = np.frombuffer(vector, dtype="<f4")
                result.vectors.append(array)
                result.item_vectors.append((item, array))


def seeds_resolve(
    *,
    artists: Sequence[str] = (),
    albums: Sequence[str] = (),
    tracks: Sequence[str] = (),
    genres: Sequence[str] = (),
    seeds: Sequence[str] = (),
    profiles: Sequence[str] = (),
    model: MusicModel | None,
) -> SeedSet:
    """Resolve a request's seeds (see the module doc); raises SeedErrors naming invalid/unknown URIs and profiles."""
    errors: dict[str, list[str]] = {}
    result = SeedSet()
    found: dict[tuple[str, int], CatalogSeed] = {}
    uri_errors = _resolve_uris(seeds, found)
    if uri_errors:
        errors["seeds"] = uri_errors
    favourites, unknown_profiles = _profile_favourites(_clean(profiles))
    if unknown_profiles:
        errors["profiles"] = [f"Unknown profile: '{username}'." for username in unknown_profiles]
    if errors:
        raise SeedErrors(errors)
    _resolve_references({"artists": artists, "albums": albums, "tracks": tracks}, favourites, found, result)
    _resolve_genres([*genres, *favourites["genres"]], model, result)
    result.items = sorted(found.values(), key=lambda item: (item.resource_type, item.item_id))
    _attach_vectors(result)
    for kind in result.names:
        result.names[kind] = sorted(set(result.names[kind]))
    return result
