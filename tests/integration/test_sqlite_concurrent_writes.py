"""The embedded default (`make run`: settings.base on a SQLite file) lets concurrent writers wait their turn.

Each writer runs what a request does: a transaction that reads, then writes. Without a write lock taken at
BEGIN, the second writer's lock upgrade fails at once with "database is locked", whatever the busy timeout.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
WRITERS = 8
TRANSACTIONS_PER_WRITER = 15

WRITERS_SCRIPT = f"""
import json, threading, time
import django
django.setup()
from django.db import connection, transaction, OperationalError

with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE IF NOT EXISTS counter (id INTEGER PRIMARY KEY, writer INTEGER, seen INTEGER)")
connection.close()
errors, start = [], threading.Barrier({WRITERS})

def write(writer):
    start.wait()
    try:
        for _ in range({TRANSACTIONS_PER_WRITER}):
            try:
                with transaction.atomic():
                    with connection.cursor() as cursor:
                        cursor.execute("SELECT COUNT(*) FROM counter")
                        seen = cursor.fetchone()[0]
                        time.sleep(0.002)
                        cursor.execute("INSERT INTO counter (writer, seen) VALUES (%s, %s)", [writer, seen])
            except OperationalError as error:
                errors.append(str(error))
    finally:
        connection.close()

threads = [threading.Thread(target=write, args=(n,)) for n in range({WRITERS})]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
with connection.cursor() as cursor:
    cursor.execute("SELECT COUNT(*), COUNT(DISTINCT seen) FROM counter")
    rows, distinct_seen = cursor.fetchone()
print(json.dumps({{"errors": errors[:3], "error_count": len(errors), "rows": rows, "distinct_seen": distinct_seen}}))
"""


def test_concurrent_read_then_write_transactions_on_the_sqlite_file_all_succeed(tmp_path):
    env = {key: value for key, value in os.environ.items() if key in ("PATH", "HOME", "LANG")}
    env.update(
        DJANGO_SETTINGS_MODULE="settings.base",
        JUKE_ENV_FILE=os.devnull,
        SQLITE_PATH=str(tmp_path / "juke.sqlite3"),
    )
    result = subprocess.run(
        [sys.executable, "-c", WRITERS_SCRIPT], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=240
    )
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout.strip().splitlines()[-1])

    assert outcome["error_count"] == 0, outcome["errors"]
    assert outcome["rows"] == WRITERS * TRANSACTIONS_PER_WRITER
    # Serialised transactions each saw the rows of all the ones before: every count is different.
    assert outcome["distinct_seen"] == WRITERS * TRANSACTIONS_PER_WRITER
