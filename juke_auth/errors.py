"""Domain errors of accounts, sign-in and music profiles. core.exceptions maps each `kind` to its HTTP status;
juke_auth's views answer with `{"detail": ...}` only (the accounts contract has no `code` key)."""

from core.errors import DomainError, ErrorKind


class RegistrationDisabled(DomainError):
    kind = ErrorKind.FORBIDDEN
    default_detail = "Registration is temporarily disabled. Please try again later."
    default_code = "registration_disabled"


class VerificationFailed(DomainError):
    """A verification or e-mail-change link that cannot be used; the detail says why."""

    default_detail = "Invalid signature"
    default_code = "verification_failed"


class AccountTaken(DomainError):
    """The username or e-mail address belongs to another account (case-insensitively, or a look-alike)."""

    default_detail = "A user with that username or email already exists."
    default_code = "unique"


class AccountConflict(DomainError):
    """The database refused a write that clashes with another account's data (a race we lost)."""

    kind = ErrorKind.CONFLICT
    default_detail = "Another account changed at the same time and now uses this value. Please try again."
    default_code = "conflict"


class ProfileAlreadyExists(DomainError):
    default_detail = "Profile already exists for this user."
    default_code = "profile_exists"


class ProfileNotFound(DomainError):
    kind = ErrorKind.NOT_FOUND
    default_detail = "No MusicProfile matches the given query."
    default_code = "not_found"


class NotProfileOwner(DomainError):
    kind = ErrorKind.FORBIDDEN
    default_detail = "You do not have permission to perform this action."
    default_code = "permission_denied"


class SpotifySignInFailed(DomainError):
    """Spotify refused the sign-in (bad code, rejected token, user cancelled...)."""

    default_detail = "Spotify authentication failed. Please try again."
    default_code = "spotify_auth_failed"


class SpotifyUnavailable(DomainError):
    """Spotify could not be reached, answered with a server error, or failed in an unexpected way."""

    kind = ErrorKind.UNAVAILABLE
    default_detail = "Spotify authentication is temporarily unavailable. Please try again."
    default_code = "spotify_unavailable"


class SpotifyNotLinked(DomainError):
    kind = ErrorKind.NOT_FOUND
    default_detail = "No Spotify account is linked to this user."
    default_code = "spotify_not_linked"
