"""The repeat-buying process behind the demo shop, without a database."""

from __future__ import annotations

import numpy as np

from stammkunde.demo.population import DAY, rate_scale, simulate

NOW = 1_760_000_000


def _simulate(orders_per_customer: float, size: int = 40_000):
    scale = rate_scale(orders_per_customer, now=NOW, seed=5)
    return simulate(np.random.default_rng(5), size, now=NOW, scale=scale)


def test_mean_orders_per_customer_follows_the_target():
    for target in (2.2, 5.0):
        population = _simulate(target)
        assert abs(population.order_count.mean() - target) / target < 0.1


def test_most_customers_buy_once_and_a_few_are_loyal():
    population = _simulate(2.2)
    one_time = float(np.mean(population.order_count == 1))
    assert 0.45 < one_time < 0.7
    assert np.mean(population.order_count >= 10) > 0.01


def test_orders_are_in_time_order_per_customer_and_not_in_the_future():
    population = _simulate(5.0, size=5000)
    times, owners = population.order_time, population.order_customer
    assert times.max() < NOW
    assert times.min() >= NOW - 3 * 366 * DAY
    same_customer = owners[1:] == owners[:-1]
    assert np.all(times[1:][same_customer] >= times[:-1][same_customer])
    first = np.concatenate(([0], np.cumsum(population.order_count)[:-1]))
    assert np.array_equal(times[first], population.acquired_at)


def test_the_same_seed_gives_the_same_population():
    first, second = _simulate(3.0, size=1000), _simulate(3.0, size=1000)
    assert np.array_equal(first.order_time, second.order_time)
