#!/usr/bin/env python
"""Fail when production code outgrows the house limits: a function over 60 lines or a module over 400 lines.

Production is every Python file in the repository except tests, benchmarks, migrations and the virtualenv.
A function's length runs from its `def` (decorators excluded) to its last line, docstring and comments included.
Usage: `python scripts/check_sizes.py [root]`; prints one line per offence and exits 1 when there is any.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

MAX_FUNCTION_LINES = 60
MAX_MODULE_LINES = 400
SKIPPED_DIRECTORIES = frozenset(
    {"tests", "bench", "migrations", ".venv", "var", "node_modules", ".git", ".mypy_cache", ".ruff_cache"}
)


def production_files(root: Path) -> Iterator[Path]:
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root).parts
        if not SKIPPED_DIRECTORIES.intersection(parts[:-1]) and not parts[-1].startswith("test_"):
            yield path


def offences(path: Path, root: Path) -> Iterator[str]:
    source = path.read_text(encoding="utf-8")
    name = path.relative_to(root).as_posix()
    module_lines = len(source.splitlines())
    if module_lines > MAX_MODULE_LINES:
        yield f"{name}: module has {module_lines} lines (limit {MAX_MODULE_LINES})"
    for node in ast.walk(ast.parse(source, filename=name)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            if length > MAX_FUNCTION_LINES:
                yield f"{name}:{node.lineno}: {node.name}() has {length} lines (limit {MAX_FUNCTION_LINES})"


def main(argv: list[str]) -> int:
    root = Path(argv[1] if len(argv) > 1 else Path(__file__).resolve().parent.parent).resolve()
    found = [offence for path in production_files(root) for offence in offences(path, root)]
    for offence in found:
        print(offence)
    checked = sum(1 for _ in production_files(root))
    print(f"check_sizes: {len(found)} over the limits in {checked} production files", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
