"""Turn what a user asks for (names, Juke URIs, profiles' favourites, genres) into recommendation seeds.

A seed that matches a catalog item (case-insensitive name, bare Spotify id, `spotify:<type>:<id>` or
`juke:<type>:<id>` URI) becomes that item's stored vector and is excluded from the results by spotify_id.
A genre the active model knows becomes its genre vector. Only what does not resolve is forwarded to the
engine by name. Every item reference of a request (and the active model's version) is read in one query
(recommender.selectors.catalog_lookups_get).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
from django.contrib.auth import get_user_model

from juke_ml.model import MusicModel
from recommender.errors import SeedErrors
from recommender.selectors import (
    CATALOG_MODELS,
    FAVOURITE_KINDS,
    CatalogLookup,
    CatalogMatch,
    catalog_lookups_get,
)
from recommender.services.embeddings import model_get_for_version

__all__ = ["CATALOG_MODELS", "PLURAL", "SEED_TYPES", "CatalogSeed", "SeedRequest", "SeedSet", "seeds_resolve"]

SEED_TYPES = ("artist", "album", "track")
PLURAL = {"artist": "artists", "album": "albums", "track": "tracks"}
# Spotify ids are 22 base-62 characters; catalog imports without ids make up ids with "-" (csv-artist-...).
URI_PATTERN = re.compile(r"^(juke|spotify):(artist|album|track):([0-9A-Za-z_-]{1,64})$")
BARE_SPOTIFY_ID = re.compile(r"^[0-9A-Za-z_-]{8,64}$")  # worth trying as an id before trying it as a name
LOOKS_LIKE_AN_ID = re.compile(r"^([0-9A-Za-z]{22}|[a-z]+-[a-z]+-[0-9a-f]{8,})$")  # never a name


@dataclass(frozen=True)
class SeedRequest:
    """What a recommendation request gives as seeds."""

    artists: Sequence[str] = ()  # names, Spotify ids or URIs; so are albums and tracks
    albums: Sequence[str] = ()
    tracks: Sequence[str] = ()
    genres: Sequence[str] = ()
    seeds: Sequence[str] = ()  # juke:/spotify: URIs of any type
    profiles: Sequence[str] = ()  # usernames whose music-profile favourites are seeds
    users: Sequence[str] = ()  # usernames whose listening taste is a seed (recommendation_list resolves them)

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> SeedRequest:
        """The request from the seed fields in `values` (validated input, command options); other keys are ignored."""
        return cls(**{seed.name: values[seed.name] for seed in fields(cls) if seed.name in values})

    @property
    def is_empty(self) -> bool:
        return not any(getattr(self, seed.name) for seed in fields(self))


NO_SEEDS = SeedRequest()


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


def _reference_lookups(resource_type: str, reference: str) -> list[CatalogLookup]:
    """The lookups that find what a reference means, best first: a URI's item, else the id, else the name."""
    reference = reference.strip()
    if not reference:
        return []
    try:
        uri_type, spotify_id = seed_uri_parse(reference)
    except ValueError:
        pass
    else:
        return [CatalogLookup(uri_type, "spotify_id", spotify_id)] if uri_type == resource_type else []
    if BARE_SPOTIFY_ID.match(reference):
        return [
            CatalogLookup(resource_type, "spotify_id", reference),
            CatalogLookup(resource_type, "name", reference, unless_spotify_id=True),
        ]
    return [CatalogLookup(resource_type, "name", reference)]


def _seed(match: CatalogMatch) -> CatalogSeed:
    return CatalogSeed(match.resource_type, match.item_id, match.spotify_id, match.name)


def catalog_reference_resolve(*, resource_type: str, reference: str) -> CatalogSeed | None:
    """A catalog item from a name (case-insensitive), a bare Spotify id, or a spotify:/juke: URI; None if unknown."""
    _, matches = catalog_lookups_get(lookups=_reference_lookups(resource_type, reference), with_model_version=False)
    found = next((match for match in matches if match is not None), None)
    return _seed(found) if found is not None else None


def _clean(values: Iterable[str] | None) -> list[str]:
    return sorted({str(value).strip() for value in values or () if str(value).strip()})


def _empty_favourites() -> dict[str, list[str]]:
    return {kind: [] for kind in FAVOURITE_KINDS}


def profile_favourites(values: dict[str, Any] | None) -> dict[str, list[str]]:
    """A music profile's favourites per kind (artists, albums, tracks, genres: its favorite_<kind> values) as strings."""
    favourites = _empty_favourites()
    for kind in FAVOURITE_KINDS:
        given = (values or {}).get(kind)
        favourites[kind].extend(str(value) for value in given or [] if isinstance(value, str | int))
    return favourites


def _profile_favourites(usernames: Sequence[str]) -> tuple[dict[str, list[str]], list[str]]:
    """Favourites of the named users' music profiles merged per kind, and the usernames that do not exist."""
    user_model = get_user_model()
    favourites = _empty_favourites()
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
        for kind, values in profile_favourites(
            {kind: getattr(profile, f"favorite_{kind}") for kind in FAVOURITE_KINDS}
        ).items():
            favourites[kind].extend(values)
    return favourites, unknown


@dataclass
class _Plan:
    """The lookups of one request and, per reference, which of them answer it (best first)."""

    lookups: list[CatalogLookup] = field(default_factory=list)
    uris: list[tuple[str, int | None]] = field(default_factory=list)  # (uri, its lookup; None when malformed)
    references: list[tuple[str, str, bool, list[int]]] = field(default_factory=list)  # plural, ref, favourite?

    def add(self, lookups: list[CatalogLookup]) -> list[int]:
        start = len(self.lookups)
        self.lookups.extend(lookups)
        return list(range(start, len(self.lookups)))


def _plan(uris: Iterable[str], requested: dict[str, Sequence[str]], favourites: dict[str, list[str]]) -> _Plan:
    plan = _Plan()
    for uri in _clean(uris):
        try:
            resource_type, spotify_id = seed_uri_parse(uri)
        except ValueError:
            plan.uris.append((uri, None))
            continue
        plan.uris.append((uri, plan.add([CatalogLookup(resource_type, "spotify_id", spotify_id)])[0]))
    for resource_type in SEED_TYPES:
        plural = PLURAL[resource_type]
        for is_favourite, references in ((False, requested[plural]), (True, favourites[plural])):
            for reference in _clean(references):
                positions = plan.add(_reference_lookups(resource_type, reference))
                plan.references.append((plural, reference, is_favourite, positions))
    return plan


def _uri_errors(plan: _Plan, matches: list[CatalogMatch | None], found: dict[tuple[str, int], CatalogSeed]):
    """Catalog items of `juke:`/`spotify:` URIs into `found`; returns the error messages."""
    errors = []
    for uri, position in plan.uris:
        if position is None:
            errors.append(
                f"Invalid seed URI: '{uri}'. Use juke:artist:<spotify_id>, juke:album:<spotify_id> or "
                "juke:track:<spotify_id>."
            )
        elif (match := matches[position]) is None:
            errors.append(f"Unknown seed: '{uri}' is not in the catalog.")
        else:
            found[(match.resource_type, match.item_id)] = _seed(match)
    return errors


def _resolve_references(plan: _Plan, matches: list[CatalogMatch | None], found: dict, result: SeedSet) -> None:
    """Names, ids and URIs of each type into `found`; what does not resolve is left for the engine by name."""
    for plural, reference, is_favourite, positions in plan.references:
        match = next((matches[position] for position in positions if matches[position] is not None), None)
        if match is not None:
            found[(match.resource_type, match.item_id)] = _seed(match)
        elif not is_favourite:
            result.names[plural].append(reference)  # the engine gets a chance to resolve it
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


def _attach_vectors(result: SeedSet, vectors: dict[tuple[str, int], bytes | None]) -> None:
    """Each resolved item's stored vector; an item not embedded yet is left to the engine by name."""
    for resource_type in SEED_TYPES:
        for item in (item for item in result.items if item.resource_type == resource_type):
            vector = vectors.get((resource_type, item.item_id))
            if vector is None:
                # Not embedded yet: let the engine try its name (it is still excluded from the results).
                result.names[PLURAL[resource_type]].append(item.name)
            else:
                array = np.frombuffer(vector, dtype="<f4")
                result.vectors.append(array)
                result.item_vectors.append((item, array))


def _resolve(
    *,
    uris: Iterable[str],
    requested: dict[str, Sequence[str]],
    genres: Sequence[str],
    favourites: dict[str, list[str]],
    errors: dict[str, list[str]],
    model: MusicModel | None = None,
    read_active_model: bool = False,
) -> tuple[SeedSet, MusicModel | None]:
    """The seed set; with `read_active_model`, the active model is read in the same query (and returned)."""
    plan = _plan(uris, requested, favourites)
    version, matches = catalog_lookups_get(lookups=plan.lookups, with_model_version=read_active_model)
    found: dict[tuple[str, int], CatalogSeed] = {}
    uri_errors = _uri_errors(plan, matches, found)
    if uri_errors:
        errors = {"seeds": uri_errors, **errors}
    if errors:
        raise SeedErrors(errors)
    result = SeedSet()
    _resolve_references(plan, matches, found, result)
    active = model_get_for_version(version) if read_active_model else model
    _resolve_genres([*genres, *favourites["genres"]], active, result)
    result.items = sorted(found.values(), key=lambda item: (item.resource_type, item.item_id))
    vectors = {(match.resource_type, match.item_id): match.vector for match in matches if match is not None}
    _attach_vectors(result, vectors)
    for kind in result.names:
        result.names[kind] = sorted(set(result.names[kind]))
    return result, active


def _resolve_request(
    request: SeedRequest, favourites: dict[str, list[str]] | None, *, model: MusicModel | None, read_active_model: bool
) -> tuple[SeedSet, MusicModel | None]:
    merged, unknown = _profile_favourites(_clean(request.profiles)) if request.profiles else (_empty_favourites(), [])
    for kind, values in (favourites or {}).items():
        merged[kind].extend(values)
    errors = {"profiles": [f"Unknown profile: '{username}'." for username in unknown]} if unknown else {}
    requested = {"artists": request.artists, "albums": request.albums, "tracks": request.tracks}
    return _resolve(
        uris=request.seeds,
        requested=requested,
        genres=request.genres,
        favourites=merged,
        errors=errors,
        model=model,
        read_active_model=read_active_model,
    )


def seeds_resolve_with_model(
    *, request: SeedRequest, favourites: dict[str, list[str]] | None = None
) -> tuple[SeedSet, MusicModel | None]:
    """`seeds_resolve` with the active model read in the same query as the seeds; also returns that model.

    `favourites`: favourites already read (e.g. the requester's own profile), merged with the profiles'.
    """
    return _resolve_request(request, favourites, model=None, read_active_model=True)


def seeds_resolve(
    *, request: SeedRequest = NO_SEEDS, favourites: dict[str, list[str]] | None = None, model: MusicModel | None
) -> SeedSet:
    """Resolve a request's seeds (see the module doc; its `users` are not seeds here); raises SeedErrors naming
    invalid/unknown URIs and profiles.

    `favourites`: favourites already read (e.g. a profile at hand, `profile_favourites`), merged with the profiles'.
    """
    result, _ = _resolve_request(request, favourites, model=model, read_active_model=False)
    return result
