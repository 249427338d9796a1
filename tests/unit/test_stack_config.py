"""How the production-like stack is run: every process restarts on its own, and the API serves with threads."""

import runpy
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_every_compose_service_restarts_unless_stopped():
    services = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())["services"]

    restart_policies = {name: service.get("restart") for name, service in services.items()}

    assert restart_policies == dict.fromkeys(services, "unless-stopped")


def test_make_stack_runs_the_procfile_under_the_restarting_supervisor():
    stack_recipe = (REPO_ROOT / "Makefile").read_text().split("\nstack:", 1)[1].split("\n\n", 1)[0]

    assert "scripts/stack.py Procfile" in stack_recipe
    assert "honcho" not in stack_recipe


def test_gunicorn_serves_with_threads_so_one_slow_dependency_cannot_hold_every_worker():
    config = runpy.run_path(str(REPO_ROOT / "gunicorn.conf.py"))

    assert config["worker_class"] == "gthread"
    assert config["workers"] * config["threads"] >= 8
    assert "-c gunicorn.conf.py" in (REPO_ROOT / "Procfile").read_text().splitlines()[0]
