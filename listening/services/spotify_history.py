"""Spotify history: recently played tracks become listens; on first link, top items and saved tracks become likes.

Each user is synced on their own (a task per user), so one user's revoked grant, missing scope or
rate limit is recorded on their `SpotifyHistorySync` row and never stops the others.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from social_django.models import UserSocialAuth

from catalog.services.ingest import artists_upsert, tracks_upsert
from integrations.spotify.errors import SpotifyAuthError, SpotifyError, SpotifyRateLimited
from integrations.spotify.library import SpotifyLibraryClient, SpotifyScopeMissing
from integrations.spotify.tokens import spotify_access_token_refresh
from juke_auth.services.spotify_credentials import spotify_credentials_merge, spotify_credentials_read
from listening.models import Like, LikeSource, ListenSource, SpotifyHistorySync
from listening.services.ingest import ListenInput, listens_ingest

logger = logging.getLogger(__name__)

RECENTLY_PLAYED_MAX_PAGES = 20
RATE_LIMIT_DEFAULT_PAUSE_SECONDS = 60
TOKEN_REFRESH_MARGIN_SECONDS = 60


@dataclass(frozen=True)
class SpotifySyncOutcome:
    user_id: int
    listens_created: int = 0
    likes_created: int = 0
    error: str = ""


def spotify_linked_user_ids() -> list[int]:
    """Users with a linked Spotify account whose history is due (not paused by a rate limit)."""
    paused = SpotifyHistorySync.objects.filter(retry_not_before__gt=timezone.now()).values("user_id")
    return sorted(
        set(
            UserSocialAuth.objects.filter(provider="spotify")
            .exclude(user_id__in=paused)
            .values_list("user_id", flat=True)
        )
    )


def _access_token(account: UserSocialAuth, *, force_refresh: bool = False) -> str:
    """The account's access token, refreshed (and stored) when it is about to expire or was refused.

    Tokens are encrypted at rest: they are read and written through juke_auth's credentials accessor only.
    """
    data = spotify_credentials_read(account=account)
    try:
        expires_at = float(data["auth_time"]) + float(data["expires"])
    except (KeyError, TypeError, ValueError):
        expires_at = None
    due = force_refresh or (expires_at is not None and time.time() > expires_at - TOKEN_REFRESH_MARGIN_SECONDS)
    if data.get("access_token") and not due:
        return data["access_token"]
    if not data.get("refresh_token"):
        raise SpotifyAuthError("The Spotify grant has expired and there is no refresh token: link Spotify again.")
    with transaction.atomic():
        locked = UserSocialAuth.objects.select_for_update().get(pk=account.pk)
        refresh_token = spotify_credentials_read(account=locked).get("refresh_token") or data["refresh_token"]
        grant = spotify_access_token_refresh(refresh_token=refresh_token)
        changes = {"access_token": grant.access_token, "auth_time": int(time.time()), "expires": grant.expires_in}
        if grant.refresh_token:
            changes["refresh_token"] = grant.refresh_token
        spotify_credentials_merge(account=locked, changes=changes)
    account.extra_data = locked.extra_data
    return grant.access_token


def spotify_history_sync(*, user_id: int) -> SpotifySyncOutcome:
    """Import the user's new Spotify plays (and, the first time, top items and saved tracks). Calls Spotify.

    Errors are recorded on the user's sync row and returned, never raised, so a batch of users goes on.
    """
    account = UserSocialAuth.objects.filter(user_id=user_id, provider="spotify").order_by("-id").first()
    if account is None:
        return SpotifySyncOutcome(user_id=user_id, error="not_linked")
    state, _ = SpotifyHistorySync.objects.get_or_create(user_id=user_id)
    try:
        try:
            outcome = _sync(account, state, _access_token(account))
        except SpotifyAuthError as exc:
            if isinstance(exc, SpotifyScopeMissing):
                raise
            outcome = _sync(account, state, _access_token(account, force_refresh=True))
    except SpotifyError as exc:
        return _record_failure(state, exc)
    state.last_error = ""
    state.retry_not_before = None
    state.last_synced_at = timezone.now()
    state.save()
    return outcome


def _record_failure(state: SpotifyHistorySync, exc: SpotifyError) -> SpotifySyncOutcome:
    if isinstance(exc, SpotifyScopeMissing):
        code = "missing_scope"
    elif isinstance(exc, SpotifyAuthError):
        code = "grant_revoked"
    elif isinstance(exc, SpotifyRateLimited):
        code = "rate_limited"
        pause = exc.retry_after or RATE_LIMIT_DEFAULT_PAUSE_SECONDS
        state.retry_not_before = timezone.now() + timedelta(seconds=pause)
    else:
        code = "spotify_unavailable"
    logger.info("Spotify history of user %s not synced: %s (%s)", state.user_id, code, exc.message)
    state.last_error = f"{code}: {exc.message}"[:200]
    state.save(update_fields=["last_error", "retry_not_before"])
    return SpotifySyncOutcome(user_id=state.user_id, error=code)


def _sync(account: UserSocialAuth, state: SpotifyHistorySync, access_token: str) -> SpotifySyncOutcome:
    likes = 0
    client = SpotifyLibraryClient(access_token=access_token)
    if state.initial_import_at is None:
        likes = _initial_import(account, client)
        state.initial_import_at = timezone.now()
        state.save(update_fields=["initial_import_at"])
    listens = _recently_played_import(account, client, state)
    return SpotifySyncOutcome(user_id=account.user_id, listens_created=listens, likes_created=likes)


def _recently_played_import(account: UserSocialAuth, client: SpotifyLibraryClient, state: SpotifyHistorySync) -> int:
    created = 0
    for _ in range(RECENTLY_PLAYED_MAX_PAGES):
        page = client.get_recently_played(after_ms=state.recently_played_after_ms, limit=50)
        if not page.plays:
            break
        track_ids = tracks_upsert(tracks=[play.track for play in page.plays])
        _embed_when_committed(track_ids=track_ids.values())
        listens = [
            ListenInput(
                # Spotify's played_at is when the track ended; a listen starts when the track did.
                listened_at=play.played_at - timedelta(milliseconds=play.track.duration_ms),
                artist_name=", ".join(artist.name for artist in play.track.artists) or "Unknown artist",
                track_name=play.track.name or "Unknown track",
                release_name=play.track.album.name if play.track.album else "",
                spotify_id=play.track.id,
                duration_ms=play.track.duration_ms or None,
                track_id=track_ids.get(play.track.id),
            )
            for play in page.plays
        ]
        created += listens_ingest(user=account.user, listens=listens, source=ListenSource.SPOTIFY).created
        state.recently_played_after_ms = page.after_ms or state.recently_played_after_ms
        state.save(update_fields=["recently_played_after_ms"])
        if len(page.plays) < 50:
            break
    return created


def _embed_when_committed(*, track_ids: Iterable[int] = (), artist_ids: Iterable[int] = ()) -> None:
    """Items Spotify just taught the catalog get their vectors now, not at the next scheduled `embed_stale_items`:
    this user's taste and recommendations are built from them (and `make run` schedules nothing)."""
    from recommender.tasks import embed_artists, embed_tracks  # noqa: PLC0415 - the recommender imports listening

    tracks, artists = sorted(set(track_ids)), sorted(set(artist_ids))
    if tracks:
        transaction.on_commit(lambda: embed_tracks.delay(tracks))
    if artists:
        transaction.on_commit(lambda: embed_artists.delay(artists))


def _initial_import(account: UserSocialAuth, client: SpotifyLibraryClient) -> int:
    """Top tracks and artists and saved tracks, stored in the catalog and liked with their source."""
    saved = client.get_saved_tracks()
    top_tracks = client.get_top_tracks()
    top_artists = client.get_top_artists()
    saved_ids = tracks_upsert(tracks=[item.track for item in saved])
    top_track_ids = tracks_upsert(tracks=top_tracks)
    top_artist_ids = artists_upsert(artists=top_artists)
    _embed_when_committed(track_ids=[*saved_ids.values(), *top_track_ids.values()], artist_ids=top_artist_ids.values())
    rows = [Like(user=account.user, track_id=pk, source=LikeSource.SPOTIFY_SAVED) for pk in saved_ids.values()]
    rows += [
        Like(user=account.user, track_id=pk, source=LikeSource.SPOTIFY_TOP)
        for pk in top_track_ids.values()
        if pk not in set(saved_ids.values())
    ]
    rows += [Like(user=account.user, artist_id=pk, source=LikeSource.SPOTIFY_TOP) for pk in top_artist_ids.values()]
    before = Like.objects.filter(user=account.user).count()
    Like.objects.bulk_create(rows, ignore_conflicts=True)
    return Like.objects.filter(user=account.user).count() - before
