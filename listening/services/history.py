"""Forgetting listens: a user deletes one listen or all of them (the taste model drops them on its next training)."""

from __future__ import annotations

from juke_auth.models import JukeUser, MusicProfile
from listening.errors import ListenNotFound, ListensDeleteNotConfirmed
from listening.models import Listen
from listening.selectors import listen_stats_invalidate

DELETE_ALL_CONFIRMATION = "all"


def listen_delete(*, user: JukeUser, listen_id: int) -> None:
    """Delete one of the user's listens; ListenNotFound when it is not theirs (or does not exist)."""
    deleted, _ = Listen.objects.filter(user=user, pk=listen_id).delete()
    if not deleted:
        raise ListenNotFound()
    listen_stats_invalidate(user_id=user.pk)


def listens_delete_all(*, user: JukeUser, confirm: str | None) -> int:
    """Delete every listen of the user, only with the explicit confirmation; returns how many."""
    if confirm != DELETE_ALL_CONFIRMATION:
        raise ListensDeleteNotConfirmed(
            f"Deleting all your listens cannot be undone: repeat the request with ?confirm={DELETE_ALL_CONFIRMATION}.",
            field="confirm",
        )
    # Nothing points at a listen, so Django deletes them with one DELETE statement, without loading them.
    deleted, _ = Listen.objects.filter(user=user).delete()
    listen_stats_invalidate(user_id=user.pk)
    return deleted


def listens_visibility_set(*, user: JukeUser, public: bool) -> bool:
    """Make the user's listening history readable by others (or private again); returns the new setting.

    The flag lives on the music profile (created when missing), where the profile API may show it too.
    """
    profile, _ = MusicProfile.objects.get_or_create(user=user)
    if profile.listens_public != public:
        profile.listens_public = public
        profile.save(update_fields=["listens_public", "modified_at"])
    return public
