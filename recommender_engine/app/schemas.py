"""Request and response bodies of the engine's HTTP API.

JSON examples of each live in tests/fixtures/engine/ and are shared with Django's engine client and its fake.
"""

from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_serializer, field_validator

ResourceType = Literal["artists", "albums", "tracks"]
RESOURCE_TYPES: tuple[ResourceType, ...] = ("artists", "albums", "tracks")
EmbedResourceType = Literal["artist", "album", "track", "text"]

NO_MODEL_DETAIL = "No trained model yet: run `python manage.py retrain`."
DATA_UNAVAILABLE_DETAIL = "Recommender data unavailable"
NO_SEED_DETAIL = "At least one seed is required."


def utc_z(value: datetime) -> str:
    """ISO-8601 in UTC with a Z suffix, to the millisecond."""
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class ErrorResponse(BaseModel):
    detail: str


class IndexedCounts(BaseModel):
    artists: int = 0
    albums: int = 0
    tracks: int = 0


class HealthResponse(BaseModel):
    status: Literal["ok", "degraded"] = Field(
        description="`degraded`: the last database read failed (results come from the cache, if any)."
    )
    model_version: str | None
    indexed: IndexedCounts
    index: Literal["exact", "approximate"]
    last_refresh: datetime | None = Field(description="When the index last read the database successfully.")

    @field_serializer("last_refresh")
    def _serialize_time(self, value: datetime | None) -> str | None:
        return None if value is None else utc_z(value)


class EmbedRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    resource_type: EmbedResourceType
    attributes: dict[str, Any] = Field(
        default_factory=dict, description="What the model knows about the item, e.g. genres, audio features, name."
    )


class EmbedResponse(BaseModel):
    vector: list[float]
    model_version: str
    quality: float = Field(ge=0.0, le=1.0)
    metadata: dict[str, Any]


class RecommendRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    seed_vectors: list[list[float]] = Field(
        default_factory=list, max_length=500, description="Already-resolved seeds (e.g. from URIs), equal weight."
    )
    artists: list[str] = Field(default_factory=list, max_length=100)
    albums: list[str] = Field(default_factory=list, max_length=100)
    tracks: list[str] = Field(default_factory=list, max_length=100)
    genres: list[str] = Field(default_factory=list, max_length=100)
    seed_weight: float = Field(
        0.5, ge=0.0, le=1.0, description="Weight of the name seeds against seed_vectors when both are given."
    )
    exclude_spotify_ids: list[str] = Field(default_factory=list, max_length=5000)
    limit: int = Field(10, ge=1, le=50)
    resource_types: list[ResourceType] = Field(default_factory=lambda: list(RESOURCE_TYPES), min_length=1)
    include_vectors: bool = Field(
        False, description="Add each result's vector to its extra as `vector`: base64 of little-endian float32."
    )

    @field_validator("artists", "albums", "tracks", "genres")
    @classmethod
    def _strip_names(cls, names: list[str]) -> list[str]:
        return [name.strip() for name in names if name and name.strip()]


class RecommendationExtra(BaseModel):
    model_config = ConfigDict(extra="allow")

    spotify_id: str
    model_version: str
    quality_score: float
    metadata: dict[str, Any] = Field(default_factory=dict, description="What the model stored, e.g. genres.")


class Recommendation(BaseModel):
    name: str
    likeness: float = Field(ge=0.0, le=1.0, description="max(cosine similarity, 0), rounded to 3 decimals.")
    extra: RecommendationExtra


class RecommendResponse(BaseModel):
    artists: list[Recommendation] = Field(default_factory=list)
    albums: list[Recommendation] = Field(default_factory=list)
    tracks: list[Recommendation] = Field(default_factory=list)
    model_version: str | None
    generated_at: datetime
    unresolved: list[str] = Field(default_factory=list, description="Seed names that matched nothing.")

    @field_serializer("generated_at")
    def _serialize_time(self, value: datetime) -> str:
        return utc_z(value)
