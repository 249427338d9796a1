"""Items similar to one catalog item: co-listening where people play it, its content where they do not yet."""

from __future__ import annotations

from recommender.engine_client import EngineClient
from recommender.errors import ItemNotFound
from recommender.services.explain import item_uri
from recommender.services.recommendations import Recommendations, recommendation_list
from recommender.services.seeds import CATALOG_MODELS, PLURAL, SeedRequest


def recommendation_list_similar(
    *, resource_type: str, identifier: str, limit: int = 10, client: EngineClient | None = None
) -> Recommendations:
    """Items of the same type close to the item (a catalog id or a Spotify id) in the deployed space.

    The deployed vector of an item people play is mostly its own collaborative factor (co-listening); of an item
    few or none play, its content mapped into the same space (juke_ml.collaborative). ItemNotFound if unknown.
    """
    model = CATALOG_MODELS[resource_type]
    lookup = {"id": int(identifier)} if identifier.isdigit() else {"spotify_id": identifier}
    spotify_id = model._default_manager.filter(**lookup).values_list("spotify_id", flat=True).first()
    if spotify_id is None:
        raise ItemNotFound()
    return recommendation_list(
        request=SeedRequest(seeds=[item_uri(resource_type, spotify_id)]),
        limit=limit,
        resource_types=[PLURAL[resource_type]],
        client=client,
    )
