"""Likes: a user likes catalog tracks, albums and artists (Spotify saved tracks arrive here too)."""

from __future__ import annotations

from typing import Literal

from django.db import IntegrityError, transaction

from catalog.models import Album, Artist, Track
from juke_auth.models import JukeUser
from listening.errors import LikeTargetNotFound
from listening.models import Like

LikeKind = Literal["track", "album", "artist"]
_MODELS = {"track": Track, "album": Album, "artist": Artist}


def _target(kind: LikeKind, spotify_id: str):
    item = _MODELS[kind]._default_manager.filter(spotify_id=spotify_id).first()
    if item is None:
        raise LikeTargetNotFound(f"The catalog has no {kind} with Spotify id {spotify_id!r}.")
    return item


def like_set(*, user: JukeUser, kind: LikeKind, spotify_id: str) -> tuple[Like, bool]:
    """Like a catalog item (idempotent); returns the like and whether it is new. Raises LikeTargetNotFound."""
    item = _target(kind, spotify_id)
    existing = Like.objects.filter(user=user, **{kind: item}).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            return Like.objects.create(user=user, **{kind: item}), True
    except IntegrityError:  # a concurrent request liked it first
        return Like.objects.get(user=user, **{kind: item}), False


def like_remove(*, user: JukeUser, kind: LikeKind, spotify_id: str) -> bool:
    """Unlike an item; returns whether a like was removed. Raises LikeTargetNotFound for an unknown id."""
    item = _target(kind, spotify_id)
    deleted, _ = Like.objects.filter(user=user, **{kind: item}).delete()
    return deleted > 0
