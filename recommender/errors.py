"""The recommender's domain errors (core.exceptions maps them to HTTP answers by kind)."""

from __future__ import annotations

from core.errors import DomainError, ErrorKind

NO_SEED_MESSAGE = "Provide at least one artist, album, track, or genre."
NOTHING_RESOLVED_MESSAGE = (
    "None of the seeds matched the catalog or a known genre, so there is nothing to recommend from."
)
EMPTY_PROFILE_MESSAGE = (
    "Nothing to learn your taste from yet: play or like some music (or scrobble it to Juke), or add favourite "
    "artists, albums, tracks or genres to your music profile."
)


class SeedErrors(DomainError):
    """Seeds the caller named explicitly but that are invalid or unknown: {field: [message, ...]}."""

    default_code = "invalid_seeds"

    def __init__(self, errors: dict[str, list[str]]) -> None:
        self.errors = errors
        field = next(iter(errors))
        super().__init__(" ".join(errors[field]), field=field)


class NothingToRecommendFrom(DomainError):
    """No seed given, or none of them resolved to a vector."""

    default_detail = NOTHING_RESOLVED_MESSAGE
    default_code = "nothing_to_recommend_from"

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail, field="non_field_errors")


class EmptyProfile(DomainError):
    """/recommendations/me/ for someone with no listens or likes the model knows, and no favourites."""

    default_detail = EMPTY_PROFILE_MESSAGE
    default_code = "empty_profile"


class TrainingRefused(DomainError):
    """The catalog cannot support a meaningful model (too small)."""

    kind = ErrorKind.CONFLICT
    default_code = "training_refused"


class ItemNotFound(DomainError):
    """No catalog item with this id."""

    kind = ErrorKind.NOT_FOUND
    default_detail = "Not found."
    default_code = "not_found"


class EngineUnavailable(DomainError):
    """The engine is down, hung or failing (or its circuit is open): retry later."""

    kind = ErrorKind.UNAVAILABLE
    default_detail = "Recommendations are temporarily unavailable. Please try again."
    default_code = "engine_unavailable"


class EngineBadAnswer(DomainError):
    """The engine answered with something we cannot use."""

    kind = ErrorKind.BAD_UPSTREAM
    default_detail = "An upstream service answered with an error. Please try again."
    default_code = "bad_gateway"
