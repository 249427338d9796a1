"""Every change to a user's listens (stored, deleted) goes through `listens_changed`, so nothing built from them
(their cached stats, their taste) is left stale."""

from __future__ import annotations

from django.db import connection

from listening.models import ListenHistoryVersion
from listening.selectors import listen_stats_invalidate


def listens_changed(*, user_id: int) -> None:
    """Bump the user's listen history version (a row, created at the first change) and forget their cached stats.

    Call it once the change is written (as the stats were always forgotten): a request between the two may cache
    what it built from the new listens under the old version, which the bump then leaves behind.
    """
    table = connection.ops.quote_name(ListenHistoryVersion._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (user_id, version) VALUES (%s, 1) "  # noqa: S608 - our identifiers, bound values
            f"ON CONFLICT (user_id) DO UPDATE SET version = {table}.version + 1",
            [user_id],
        )
    listen_stats_invalidate(user_id=user_id)
