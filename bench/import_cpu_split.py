"""CPU split of one `import_catalog` run: the Python process against its PostgreSQL backend.

Imports the file into a fresh database (migrated by the tree at `--root`) in-process and reports wall time,
the Python process's own CPU (`getrusage`) and the PostgreSQL backend's CPU (`/proc/<pid>/stat`, so the server
must run on this machine). `--root` lets the old tree be measured the same way.

    .venv/bin/python bench/import_cpu_split.py --file bench/out/synthetic_100k.csv [--root /work/wt/import-old]
"""

import argparse
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CODE = """
import os, resource, sys, time
import django
django.setup()
from django.core.management import call_command
from django.db import connection

def backend_cpu():
    with open(f"/proc/{connection.connection.info.backend_pid}/stat") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

connection.ensure_connection()
python_before, backend_before, started = resource.getrusage(resource.RUSAGE_SELF), backend_cpu(), time.perf_counter()
call_command("import_catalog", sys.argv[1], "--no-progress", *sys.argv[2:])
wall, backend_after, python_after = time.perf_counter() - started, backend_cpu(), resource.getrusage(resource.RUSAGE_SELF)
python = (python_after.ru_utime + python_after.ru_stime) - (python_before.ru_utime + python_before.ru_stime)
print(f"wall {wall:.1f} s; Python CPU {python:.1f} s; PostgreSQL backend CPU {backend_after - backend_before:.1f} s")
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--file", type=Path, required=True)
    parser.add_argument("--root", type=Path, default=ROOT, help="The tree whose code is measured.")
    parser.add_argument("--db", default="juke_bench_import_cpu")
    parser.add_argument("extra", nargs="*", help="import_catalog flags (after --)")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from bench.import_catalog import fresh_db  # noqa: PLC0415 - after sys.path
    from bench.machine import machine_header  # noqa: PLC0415

    print(machine_header(), flush=True)
    env = {**fresh_db(args.db, root=args.root), "DJANGO_SETTINGS_MODULE": "settings.base"}
    subprocess.run(
        [str(ROOT / ".venv/bin/python"), "-c", CODE, str(args.file.resolve()), *args.extra],
        cwd=args.root, env=env, check=True,
    )  # fmt: skip
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-c", f"DROP DATABASE {args.db}"], check=True)
    print(machine_header(end=True))


if __name__ == "__main__":
    main()
