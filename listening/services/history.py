"""Forgetting listens: a user deletes one listen or all of them (the taste model drops them on its next training)."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.db import transaction

from juke_auth.models import JukeUser, MusicProfile
from listening.errors import ListenNotFound, ListensDeleteNotConfirmed
from listening.models import LatestImport, Listen, recording_msid_for
from listening.services.changes import listens_changed

DELETE_ALL_CONFIRMATION = "all"


def listen_delete(*, user: JukeUser, listen_id: int) -> None:
    """Delete one of the user's listens; ListenNotFound when it is not theirs (or does not exist)."""
    deleted, _ = Listen.objects.filter(user=user, pk=listen_id).delete()
    if not deleted:
        raise ListenNotFound()
    listens_changed(user_id=user.pk)


def listen_delete_by_msid(*, user: JukeUser, listened_at: datetime, recording_msid: uuid.UUID) -> int:
    """Delete the user's listen of this recording MSID that started at `listened_at`; returns 0 or 1.

    ListenBrainz names a listen by (user, listened_at, recording_msid): one index probe on (user, listened_at)
    finds the user's listens of that second, and the MSID (derived from the fingerprint, which is unique per
    user and second) picks the one.
    """
    candidates = Listen.objects.filter(user=user, listened_at=listened_at).values_list("id", "fingerprint")
    ids = [pk for pk, fingerprint in candidates if recording_msid_for(fingerprint) == recording_msid]
    if not ids:
        return 0
    deleted, _ = Listen.objects.filter(user=user, pk__in=ids).delete()
    listens_changed(user_id=user.pk)
    return deleted


def latest_import_raise(*, user: JukeUser, latest_import: datetime) -> datetime:
    """Record that the user's importer has sent listens up to `latest_import`; never moves it back.

    Returns the stored time (the later of the old and the new one).
    """
    with transaction.atomic():
        mark, created = LatestImport.objects.select_for_update().get_or_create(
            user=user, defaults={"latest_import": latest_import}
        )
        if not created and latest_import > mark.latest_import:
            LatestImport.objects.filter(pk=mark.pk).update(latest_import=latest_import)
            mark.latest_import = latest_import
    return mark.latest_import


def listens_delete_all(*, user: JukeUser, confirm: str | None) -> int:
    """Delete every listen of the user, only with the explicit confirmation; returns how many."""
    if confirm != DELETE_ALL_CONFIRMATION:
        raise ListensDeleteNotConfirmed(
            f"Deleting all your listens cannot be undone: repeat the request with ?confirm={DELETE_ALL_CONFIRMATION}.",
            field="confirm",
        )
    # Nothing points at a listen, so Django deletes them with one DELETE statement, without loading them.
    deleted, _ = Listen.objects.filter(user=user).delete()
    listens_changed(user_id=user.pk)
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
