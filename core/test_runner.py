"""`python manage.py test` runs the same pytest suite as `make test`."""

import pytest


class PytestTestRunner:
    def __init__(self, verbosity=1, failfast=False, keepdb=False, **kwargs):
        self.verbosity = verbosity
        self.failfast = failfast
        self.keepdb = keepdb

    @classmethod
    def add_arguments(cls, parser):
        parser.add_argument("--keepdb", action="store_true", help="Keep the test database between runs.")

    def run_tests(self, test_labels, **kwargs):
        argv = []
        if self.verbosity == 0:
            argv.append("--quiet")
        elif self.verbosity > 1:
            argv.append("--verbose")
        if self.failfast:
            argv.append("--exitfirst")
        if self.keepdb:
            argv.append("--reuse-db")
        argv.extend(
            label.replace(".", "/") if "/" not in label and "::" not in label else label for label in test_labels
        )
        return pytest.main(argv)
