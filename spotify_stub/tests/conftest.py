"""The simulator's tests run under the suite's rules: no real network (the guard lives in tests/conftest.py)."""

from tests.conftest import _no_network  # noqa: F401 - an autouse fixture, registered here by its import
