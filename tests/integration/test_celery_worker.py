import pytest

from core.tasks import ping

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_a_task_sent_to_the_broker_is_run_by_a_real_worker(celery_worker):
    result = celery_worker.send("core.tasks.ping")

    assert result.get(timeout=30) == "pong"


def test_delay_from_application_code_goes_through_the_broker_while_the_worker_fixture_is_active(celery_worker):
    result = ping.delay()

    assert result.get(timeout=30) == "pong"
    assert "core.tasks.ping" in celery_worker.log()
