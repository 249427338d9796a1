from rest_framework import serializers

from juke_ml.query import DEFAULT_SEED_WEIGHT
from recommender.errors import NO_SEED_MESSAGE
from recommender.services.recommendations import MODES, RESOURCE_TYPES

MAX_SEEDS_PER_LIST = 50
SEED_FIELDS = ("artists", "albums", "tracks", "genres", "seeds", "profiles", "users")


def _name_list(**kwargs) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.CharField(allow_blank=True, max_length=500),
        required=False,
        default=list,
        max_length=MAX_SEEDS_PER_LIST,
        **kwargs,
    )


def _clean(values: list[str]) -> list[str]:
    """Trimmed, de-duplicated, sorted; blanks dropped (contract 7.1)."""
    return sorted({value.strip() for value in values if value.strip()})


class RecommendationRequestSerializer(serializers.Serializer):
    artists = _name_list(help_text="Artist names, Spotify ids or URIs.")
    albums = _name_list(help_text="Album names, Spotify ids or URIs.")
    tracks = _name_list(help_text="Track names, Spotify ids or URIs.")
    genres = _name_list(help_text="Genre names.")
    seeds = _name_list(
        help_text="Juke URIs: juke:artist:<spotify_id>, juke:album:<spotify_id>, juke:track:<spotify_id>."
    )
    profiles = _name_list(help_text="Usernames whose music-profile favourites become seeds.")
    users = _name_list(
        help_text="Usernames whose listening taste becomes a seed: yourself, or users whose listens are public."
    )
    seed_weight = serializers.FloatField(
        min_value=0.0,
        max_value=1.0,
        default=DEFAULT_SEED_WEIGHT,
        help_text="Influence of seeds given only by name (resolved by the engine) against resolved seeds.",
    )
    limit = serializers.IntegerField(min_value=1, max_value=50, default=10)
    resource_types = serializers.ListField(
        child=serializers.ChoiceField(choices=RESOURCE_TYPES), required=False, allow_empty=False
    )

    def validate(self, attrs):
        for name in SEED_FIELDS:
            attrs[name] = _clean(attrs.get(name, []))
        if not any(attrs[name] for name in SEED_FIELDS):
            # The contract's exact message (clients show non_field_errors[0]); seeds and profiles count too.
            raise serializers.ValidationError({"non_field_errors": [NO_SEED_MESSAGE]})
        if "resource_types" in attrs:
            attrs["resource_types"] = sorted(set(attrs["resource_types"]))
        return attrs


class RecommendationMeQuerySerializer(serializers.Serializer):
    limit = serializers.IntegerField(min_value=1, max_value=50, default=10)
    resource_types = serializers.MultipleChoiceField(choices=RESOURCE_TYPES, required=False)
    mode = serializers.ChoiceField(
        choices=MODES,
        default="discover",
        help_text="discover: leave out what you already play often; familiar: include it.",
    )


class SimilarQuerySerializer(serializers.Serializer):
    limit = serializers.IntegerField(min_value=1, max_value=50, default=10)


class BecauseSerializer(serializers.Serializer):
    type = serializers.CharField(help_text="artist, album, track or genre")
    name = serializers.CharField()
    uri = serializers.CharField(allow_null=True)


class RecommendedItemSerializer(serializers.Serializer):
    name = serializers.CharField()
    likeness = serializers.FloatField()
    uri = serializers.CharField(allow_null=True, help_text="juke:<type>:<spotify_id>; accepted back as a seed.")
    because = BecauseSerializer(
        allow_null=True, help_text="The seed, liked or played item (or genre) this recommendation is closest to."
    )
    extra = serializers.JSONField()


class RecommendationResponseSerializer(serializers.Serializer):
    artists = RecommendedItemSerializer(many=True)
    albums = RecommendedItemSerializer(many=True)
    tracks = RecommendedItemSerializer(many=True)
    model_version = serializers.CharField()
    generated_at = serializers.DateTimeField()
