"""/healthz is public: a failing component is reported by kind, and its message (hosts, user names, URLs)
goes to the log only."""

import logging

from core import health


def test_a_failing_check_reports_the_error_kind_and_logs_the_message(caplog):
    def failing():
        raise ConnectionError('connection to server at "db.internal" failed for user "juke_admin"')

    with caplog.at_level(logging.WARNING, logger="core.health"):
        result = health._timed(failing)

    assert result["status"] == "error"
    assert result["detail"].startswith("ConnectionError")
    assert "db.internal" not in str(result)
    assert "juke_admin" not in str(result)
    assert "db.internal" in caplog.text


def test_a_passing_check_keeps_its_detail():
    result = health._timed(lambda: "postgresql")

    assert result == {"status": "ok", "latency_ms": result["latency_ms"], "detail": "postgresql"}
