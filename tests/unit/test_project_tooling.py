"""First contact with the tooling: `make help`, the locked requirements, and skips that say what they missed."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.integration import test_catalog_import

REPO_ROOT = Path(__file__).resolve().parents[2]
DEVELOPMENT_ONLY = ("pytest", "pytest-django", "pytest-timeout", "ruff", "responses", "factory-boy", "selenium")


def phony_targets() -> list[str]:
    makefile = (REPO_ROOT / "Makefile").read_text().replace("\\\n", " ")
    declaration = re.search(r"^\.PHONY:(.*)$", makefile, re.MULTILINE)
    return declaration.group(1).split()


def pins(path: Path) -> dict[str, str]:
    """Package name -> version for every `name==version` line of a pip requirements file."""
    found = re.findall(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)", path.read_text(), re.MULTILINE)
    return {name.lower().replace("_", "-"): version for name, version in found}


def test_make_help_lists_every_target_with_a_description():
    if not shutil.which("make"):
        pytest.skip("make is not installed")
    result = subprocess.run(["make", "-s", "help"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=30)
    described = dict(line.split(None, 1) for line in result.stdout.splitlines() if len(line.split(None, 1)) == 2)

    missing = [target for target in phony_targets() if not described.get(target, "").strip()]
    assert not missing, f"make help does not describe: {missing}"


@pytest.mark.parametrize(
    "lock_file", ["requirements/base.txt", "requirements/dev.txt", "recommender_engine/requirements.txt"]
)
def test_every_locked_requirement_is_pinned_with_a_hash(lock_file):
    text = (REPO_ROOT / lock_file).read_text()
    entries = re.split(r"\n(?=[A-Za-z0-9])", text.strip())
    requirements = [entry for entry in entries if re.match(r"^[A-Za-z0-9]", entry)]

    assert requirements
    unhashed = [entry.split()[0] for entry in requirements if "==" not in entry or "--hash=sha256:" not in entry]
    assert not unhashed


def test_the_runtime_lock_holds_no_test_or_lint_tool_and_the_development_lock_holds_it_all():
    runtime = pins(REPO_ROOT / "requirements/base.txt")
    development = pins(REPO_ROOT / "requirements/dev.txt")

    assert not [name for name in DEVELOPMENT_ONLY if name in runtime]
    assert all(name in development for name in DEVELOPMENT_ONLY)
    assert {name: development.get(name) for name in runtime} == runtime


def test_the_engine_lock_agrees_with_the_development_lock():
    engine = pins(REPO_ROOT / "recommender_engine/requirements.txt")
    development = pins(REPO_ROOT / "requirements/dev.txt")

    assert {name: development.get(name) for name in engine} == engine


def test_the_production_image_installs_the_runtime_lock_only():
    dockerfile = (REPO_ROOT / "Dockerfile").read_text()
    installs = re.findall(r"pip install[^\n]*", dockerfile)

    assert installs
    assert all("-r requirements/base.txt" in line and "--require-hashes" in line for line in installs)
    assert "dev.txt" not in dockerfile


def test_a_test_skipped_for_missing_shared_data_says_where_it_looked():
    marks = test_catalog_import.test_the_full_shared_file_loads_with_distinct_counts_and_re_runs_clean.pytestmark
    reasons = [mark.kwargs.get("reason", "") for mark in marks if mark.name == "skipif"]

    assert reasons
    assert all(str(test_catalog_import.SHARED) in reason for reason in reasons)
