"""read_ahead: a background producer that keeps the order, re-raises its errors and stops with its consumer."""

import threading

import pytest

from catalog.services.read_ahead import read_ahead


def test_items_arrive_in_order_and_all_of_them():
    assert list(read_ahead(iter(range(1000)), depth=3)) == list(range(1000))


def test_an_error_in_the_producer_is_raised_in_the_consumer_after_the_items_before_it():
    def items():
        yield 1
        yield 2
        raise ValueError("line 3: bad")

    produced = read_ahead(items())

    assert [next(produced), next(produced)] == [1, 2]
    with pytest.raises(ValueError, match="line 3: bad"):
        next(produced)


def test_a_consumer_that_stops_early_stops_the_producer():
    produced = []

    def items():
        for number in range(10_000):
            produced.append(number)
            yield number

    for item in read_ahead(items(), depth=2):
        if item == 5:
            break

    assert len(produced) < 20
    assert not [thread for thread in threading.enumerate() if thread.name == "read-ahead"]
