"""Errors of the listening app; `core.exceptions` maps each kind to its HTTP status."""

from core.errors import DomainError, ErrorKind


class ListenInvalid(DomainError):
    """A submitted listen breaks a rule (missing names, a time out of range, a malformed id)."""

    kind = ErrorKind.INVALID
    default_detail = "The listen is invalid."
    default_code = "listen_invalid"


class ListenNotFound(DomainError):
    kind = ErrorKind.NOT_FOUND
    default_detail = "No listen of yours has this id."
    default_code = "listen_not_found"


class ListensPrivate(DomainError):
    """Another user's listens were asked for and that user keeps them private."""

    kind = ErrorKind.FORBIDDEN
    default_detail = "This user's listens are private."
    default_code = "listens_private"


class ListenerNotFound(DomainError):
    kind = ErrorKind.NOT_FOUND
    default_detail = "No user has this username."
    default_code = "user_not_found"


class ListensDeleteNotConfirmed(DomainError):
    kind = ErrorKind.INVALID
    default_detail = 'Deleting all your listens cannot be undone: send {"confirm": "delete all my listens"}.'
    default_code = "confirmation_required"


class LikeTargetNotFound(DomainError):
    kind = ErrorKind.NOT_FOUND
    default_detail = "The catalog has no item with this Spotify id."
    default_code = "like_target_not_found"


class ImportFormatUnknown(DomainError):
    kind = ErrorKind.INVALID
    default_detail = "The file is not a ListenBrainz JSON export, a Last.fm scrobble CSV or a HetRec play-count file."
    default_code = "import_format_unknown"
