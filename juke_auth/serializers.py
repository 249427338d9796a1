"""Input and output shapes of the accounts, users and music-profile endpoints."""

import json
import math
from typing import Any

from rest_framework import serializers
from rest_registration.api.serializers import DefaultRegisterUserSerializer

from juke_auth.models import JukeUser, MusicProfile

RESERVED_USERNAMES = {"me", "search", "globe"}  # they would shadow /music-profiles/<these>/
FAVORITES_MAX_ITEMS = 50
FAVORITE_MAX_LENGTH = 200
CUSTOM_DATA_MAX_BYTES = 16_384
CUSTOM_DATA_MAX_DEPTH = 8
GLOBE_DEFAULT_LIMIT = 5_000
GLOBE_MAX_LIMIT = 10_000


def _json_text_problem(value, *, max_depth: int) -> str | None:
    """Why PostgreSQL's jsonb (or our limits) would refuse this JSON value, or None.

    jsonb refuses the NUL character and unpaired surrogates in any key or string.
    """
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > max_depth:
                return f"Must not be nested more than {max_depth} levels deep."
            children = item.items() if isinstance(item, dict) else enumerate(item)
            for key, child in children:
                stack.append((child, depth + 1))
                if isinstance(key, str):
                    stack.append((key, depth))
        elif isinstance(item, str):
            if "\x00" in item:
                return "Must not contain NUL characters."
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return "Must not contain unpaired surrogate characters."
    return None


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField()


class StrictCharField(serializers.CharField):
    """A CharField that refuses numbers and other non-strings instead of converting them."""

    default_error_messages = {"invalid": "Must be a string."}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


# --- Registration -------------------------------------------------------------------------------------


class RegisterInputSerializer(DefaultRegisterUserSerializer):
    """django-rest-registration's register serializer (password rules, password_confirm), with a required
    e-mail and reserved usernames refused. Whether the name or address is taken is user_register's rule."""

    email = serializers.EmailField(max_length=254)

    def validate_username(self, value: str) -> str:
        if value.lower() in RESERVED_USERNAMES:
            raise serializers.ValidationError("This username is reserved.", code="reserved")
        return value


class RegisterOutputSerializer(serializers.ModelSerializer):
    detail = serializers.SerializerMethodField()

    class Meta:
        model = JukeUser
        fields = ["id", "username", "first_name", "last_name", "email", "detail"]

    def get_detail(self, obj) -> str:
        return "Account created. Check your e-mail to verify it."


class VerifyRegistrationInputSerializer(serializers.Serializer):
    user_id = serializers.CharField(max_length=32)
    timestamp = serializers.IntegerField()
    signature = serializers.CharField(max_length=200)


class VerifyRegistrationOutputSerializer(serializers.Serializer):
    detail = serializers.CharField()
    token = serializers.CharField()
    username = serializers.CharField()


class EmailChangeRequestInputSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)


class EmailChangeConfirmInputSerializer(serializers.Serializer):
    user_id = serializers.CharField(max_length=32)
    email = serializers.EmailField(max_length=254)
    timestamp = serializers.IntegerField()
    signature = serializers.CharField(max_length=200)


class ResendRegistrationInputSerializer(serializers.Serializer):
    email = serializers.CharField(max_length=254, required=False, allow_blank=True)
    username = serializers.CharField(max_length=150, required=False, allow_blank=True)


# --- Token sign-in ------------------------------------------------------------------------------------


class LoginInputSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150, trim_whitespace=False)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})


class TokenOutputSerializer(serializers.Serializer):
    token = serializers.CharField()


class SocialLoginInputSerializer(serializers.Serializer):
    access_token = StrictCharField(max_length=4096)
    refresh_token = StrictCharField(max_length=4096, required=False, allow_blank=True)


# --- Users --------------------------------------------------------------------------------------------


class UserPublicSerializer(serializers.HyperlinkedModelSerializer):
    """What any signed-in user may see of another user."""

    class Meta:
        model = JukeUser
        fields = ["url", "id", "username"]
        extra_kwargs = {"url": {"view_name": "user-detail"}}


class UserOwnSerializer(serializers.HyperlinkedModelSerializer):
    """A user's own account, including e-mail and the caller's token (context["token"])."""

    groups: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        many=True, read_only=True, slug_field="name"
    )
    token = serializers.SerializerMethodField()

    class Meta:
        model = JukeUser
        fields = ["url", "id", "username", "email", "first_name", "last_name", "groups", "is_active", "token"]
        extra_kwargs = {"url": {"view_name": "user-detail"}}

    def get_token(self, obj) -> str | None:
        return self.context.get("token")


class SocialLoginOutputSerializer(UserOwnSerializer):
    class Meta(UserOwnSerializer.Meta):
        fields = ["url", "username", "email", "groups", "is_active", "token"]


# --- Music profiles -----------------------------------------------------------------------------------


def favorites_field() -> serializers.ListField:
    # Names, bare Spotify ids and spotify: URIs are all accepted (contract §9.2).
    return serializers.ListField(
        child=StrictCharField(max_length=FAVORITE_MAX_LENGTH),
        max_length=FAVORITES_MAX_ITEMS,
        required=False,
    )


class MusicProfileSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)
    name = serializers.CharField(max_length=200, allow_null=True, allow_blank=True, required=False)
    bio = serializers.CharField(max_length=5000, allow_blank=True, required=False)
    avatar_url = serializers.URLField(max_length=500, allow_blank=True, required=False)
    favorite_genres = favorites_field()
    favorite_artists = favorites_field()
    favorite_albums = favorites_field()
    favorite_tracks = favorites_field()
    city_lat = serializers.FloatField(min_value=-90, max_value=90, allow_null=True, required=False)
    city_lng = serializers.FloatField(min_value=-180, max_value=180, allow_null=True, required=False)
    custom_data = serializers.JSONField(required=False)
    top_genre = serializers.CharField(read_only=True, allow_null=True)
    is_owner = serializers.SerializerMethodField()

    class Meta:
        model = MusicProfile
        fields = [
            "id",
            "username",
            "name",
            "display_name",
            "tagline",
            "bio",
            "location",
            "avatar_url",
            "favorite_genres",
            "favorite_artists",
            "favorite_albums",
            "favorite_tracks",
            "onboarding_completed_at",
            "city_lat",
            "city_lng",
            "custom_data",
            "clout",
            "top_genre",
            "created_at",
            "modified_at",
            "is_owner",
        ]
        read_only_fields = ["id", "clout", "created_at", "modified_at"]

    def get_is_owner(self, obj) -> bool:
        request = self.context.get("request")
        return bool(request is not None and request.user.is_authenticated and obj.user_id == request.user.pk)

    def validate_custom_data(self, value):
        if not isinstance(value, dict):
            raise serializers.ValidationError("Must be a JSON object.", code="invalid")
        if len(json.dumps(value)) > CUSTOM_DATA_MAX_BYTES:
            raise serializers.ValidationError(
                f"Must be at most {CUSTOM_DATA_MAX_BYTES} bytes of JSON.", code="max_length"
            )
        problem = _json_text_problem(value, max_depth=CUSTOM_DATA_MAX_DEPTH)
        if problem:
            raise serializers.ValidationError(problem, code="invalid")
        if value.get("onboarding_completed_at") is not None:
            try:
                parsed = serializers.DateTimeField().to_internal_value(value["onboarding_completed_at"])
            except serializers.ValidationError as error:
                raise serializers.ValidationError({"onboarding_completed_at": error.detail}) from None
            # Contract §9.1: a value inside custom_data is copied to the top-level field (see validate).
            self._nested_onboarding = parsed
        return value

    def validate(self, attrs):
        nested = getattr(self, "_nested_onboarding", None)
        if nested is not None and "onboarding_completed_at" not in attrs:
            attrs["onboarding_completed_at"] = nested
        return attrs


class MusicProfileSearchItemSerializer(serializers.Serializer):
    """A search hit, built from a user and their (possibly missing) music profile."""

    username = serializers.CharField()
    display_name = serializers.SerializerMethodField()
    tagline = serializers.SerializerMethodField()
    avatar_url = serializers.SerializerMethodField()

    def _profile(self, user):
        return getattr(user, "music_profile", None)

    def get_display_name(self, user) -> str:
        profile = self._profile(user)
        return profile.display_name if profile else ""

    def get_tagline(self, user) -> str:
        profile = self._profile(user)
        return profile.tagline if profile else ""

    def get_avatar_url(self, user) -> str:
        profile = self._profile(user)
        return profile.avatar_url if profile else ""


class MusicProfileSearchOutputSerializer(serializers.Serializer):
    results = MusicProfileSearchItemSerializer(many=True)


class FiniteFloatField(serializers.FloatField):
    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not math.isfinite(value):
            self.fail("invalid")
        return value


class GlobeQuerySerializer(serializers.Serializer):
    """Juke World query: the box (default: the whole world), the zoom level (default 1) and at most how many
    points (default 5,000; more is capped at 10,000)."""

    min_lat = FiniteFloatField(required=False, default=-90.0)
    max_lat = FiniteFloatField(required=False, default=90.0)
    min_lng = FiniteFloatField(required=False, default=-180.0)
    max_lng = FiniteFloatField(required=False, default=180.0)
    zoom = FiniteFloatField(required=False, default=1.0)
    limit = serializers.IntegerField(required=False, default=GLOBE_DEFAULT_LIMIT, min_value=0)

    def validate_limit(self, value: int) -> int:
        return min(value, GLOBE_MAX_LIMIT)


class GlobePointSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    lat = serializers.FloatField()
    lng = serializers.FloatField()
    clout = serializers.FloatField()
    top_genre = serializers.CharField()
    display_name = serializers.CharField()
    location = serializers.CharField()
