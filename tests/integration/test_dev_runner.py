"""`make run` (scripts/dev.py) says the engine is up only when the API itself reaches it."""

import pytest

from tests.integration.dev_process import dev_environment, dev_runner, wait_for_line
from tests.plugins.engine_server import free_port

BANNER_TIMEOUT_SECONDS = 150


def run_dev_until_banner(tmp_path, **env_overrides: str) -> str:
    """Start scripts/dev.py, return its "Engine" banner line, then stop it (SIGTERM stops its children)."""
    with dev_runner(tmp_path, dev_environment(tmp_path, **env_overrides)) as (process, log_path):
        line = wait_for_line(process, log_path, "  Engine ", BANNER_TIMEOUT_SECONDS)
        if line is None:
            pytest.fail(f"no banner from scripts/dev.py:\n{log_path.read_text()[-3000:]}")
        return line


@pytest.mark.integration
def test_an_engine_the_api_cannot_reach_is_not_reported_up(tmp_path):
    engine_port, elsewhere = free_port(), free_port()

    line = run_dev_until_banner(
        tmp_path,
        BACKEND_PORT=str(free_port()),
        RECOMMENDER_PORT=str(engine_port),
        RECOMMENDER_ENGINE_BASE_URL=f"http://127.0.0.1:{elsewhere}",
    )

    assert "(up)" not in line
    assert " up," not in line
    assert f"NOT reachable by the API at http://127.0.0.1:{elsewhere}" in line
    assert "RECOMMENDER_ENGINE_BASE_URL" in line


@pytest.mark.integration
def test_the_engine_on_a_changed_port_is_reached_by_the_api(tmp_path):
    engine_port = free_port()

    line = run_dev_until_banner(tmp_path, BACKEND_PORT=str(free_port()), RECOMMENDER_PORT=str(engine_port))

    assert f"up, reached by the API at http://127.0.0.1:{engine_port}" in line
