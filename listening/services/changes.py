"""Every change to a user's listens (stored, deleted) goes through `listens_changed`, so nothing built from them
(their cached stats, their taste) is left stale."""

from __future__ import annotations

from collections.abc import Collection

from django.db import connection

from listening.models import ListenHistoryVersion
from listening.selectors import listen_stats_invalidate

_USERS_PER_STATEMENT = 500


def listens_changed(*, user_id: int) -> None:
    """Bump the user's listen history version (a row, created at the first change) and forget their cached stats.

    Call it once the change is written (as the stats were always forgotten): a request between the two may cache
    what it built from the new listens under the old version, which the bump then leaves behind.
    """
    listens_changed_for(user_ids=[user_id])


def listens_changed_for(*, user_ids: Collection[int]) -> None:
    """`listens_changed` for many users at once: one statement per 500 users, one cache write for all."""
    table = connection.ops.quote_name(ListenHistoryVersion._meta.db_table)
    ordered = sorted(set(user_ids))  # the same lock order in every transaction
    with connection.cursor() as cursor:
        for start in range(0, len(ordered), _USERS_PER_STATEMENT):
            chunk = ordered[start : start + _USERS_PER_STATEMENT]
            cursor.execute(
                f"INSERT INTO {table} (user_id, version) VALUES {', '.join(['(%s, 1)'] * len(chunk))} "  # noqa: S608 - our identifiers, bound values
                f"ON CONFLICT (user_id) DO UPDATE SET version = {table}.version + 1",
                chunk,
            )
    listen_stats_invalidate(user_ids=ordered)
