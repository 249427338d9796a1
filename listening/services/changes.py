"""Every change to a user's listens (stored, deleted) goes through `listens_changed`, so nothing built from them
(their cached stats, their taste) is left stale."""

from __future__ import annotations

from django.db import connection, transaction

from listening.models import ListenHistoryVersion
from listening.selectors import listen_stats_invalidate


def listens_changed(*, user_id: int) -> None:
    """Bump the user's listen history version (a row, created at the first change) and forget their cached stats.

    Call it in the transaction that changed the listens, so the new version is seen with them; the stats are
    forgotten once that transaction commits (earlier, a stats request could cache the old listens again).
    """
    table = connection.ops.quote_name(ListenHistoryVersion._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (user_id, version) VALUES (%s, 1) "  # noqa: S608 - our identifiers, bound values
            f"ON CONFLICT (user_id) DO UPDATE SET version = {table}.version + 1",
            [user_id],
        )
    transaction.on_commit(lambda: listen_stats_invalidate(user_id=user_id))
