"""scripts/check_sizes.py: the size limits CI enforces on production code, and what it leaves out."""

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "check_sizes.py"


def function_of(lines: int, name: str = "long") -> str:
    body = "".join(f"    x{index} = {index}\n" for index in range(lines - 2))
    return f"def {name}():\n{body}    return 0\n"


def check(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), str(root)], capture_output=True, text=True, timeout=60)


def test_code_within_the_limits_passes(tmp_path):
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "services.py").write_text(function_of(60) + "\n" * (400 - 60))

    result = check(tmp_path)

    assert result.returncode == 0, result.stdout
    assert result.stdout == ""


def test_a_long_function_and_a_long_module_are_named_with_their_sizes(tmp_path):
    (tmp_path / "app").mkdir()
    method = "".join(f"    {line}\n" for line in function_of(61, "nested").splitlines())
    (tmp_path / "app" / "services.py").write_text("class Service:\n" + method)
    (tmp_path / "app" / "views.py").write_text("VALUE = 1\n" * 401)

    result = check(tmp_path)

    assert result.returncode == 1
    assert "app/services.py:2: nested() has 61 lines (limit 60)" in result.stdout
    assert "app/views.py: module has 401 lines (limit 400)" in result.stdout


def test_tests_benchmarks_and_migrations_are_not_production(tmp_path):
    for folder in ("tests", "bench", "app/migrations", "spotify_stub/tests"):
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "big.py").write_text(function_of(100))
    (tmp_path / "app" / "test_big.py").write_text(function_of(100))

    result = check(tmp_path)

    assert result.returncode == 0, result.stdout
