"""The random repeat-buying process behind the demo shop (numpy only, no database).

Customers follow a Pareto/NBD process: each one buys at a personal Poisson rate ``lambda``
(Gamma distributed across customers) until an unobserved dropout after an exponential lifetime
with rate ``mu`` (Gamma distributed too). The first order is the acquisition. Basket values are
Gamma-Gamma like: each customer has a personal spend level, orders scatter around it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DAY = 86400

# Pareto/NBD heterogeneity (per day). Small r and s mean strongly skewed rates: a few loyal
# customers buy often, most buy once or twice and lapse.
PURCHASE_SHAPE = 0.55
PURCHASE_SCALE = 1 / 60.0
DROPOUT_SHAPE = 0.6
DROPOUT_SCALE = 1 / 250.0
HISTORY_DAYS = 3 * 365
DEFAULT_ORDERS_PER_CUSTOMER = 2.2


@dataclass(frozen=True)
class Population:
    """One chunk of simulated customers and their orders.

    Times are Unix seconds (UTC). ``order_customer`` indexes into the customer arrays; orders
    of one customer are contiguous and in time order, the first one is the acquisition.
    """

    acquired_at: np.ndarray  # int64 seconds, per customer
    order_count: np.ndarray  # int64, per customer
    spend_level: np.ndarray  # float64, per customer: mean basket factor
    order_customer: np.ndarray  # int64, per order
    order_time: np.ndarray  # int64 seconds, per order


def _expected_window(
    rng: np.random.Generator, *, now: int, history_days: int, sample: int = 200_000
) -> float:
    """Monte Carlo estimate of E[lambda * active days] at scale 1, for calibrating the rate."""
    rates = rng.gamma(PURCHASE_SHAPE, PURCHASE_SCALE, sample)
    dropout = rng.gamma(DROPOUT_SHAPE, DROPOUT_SCALE, sample)
    lifetime = rng.exponential(1.0 / np.maximum(dropout, 1e-9))
    observed = _acquisition_age_days(rng, sample, history_days)
    return float(np.mean(rates * np.minimum(lifetime, observed)))


def _acquisition_age_days(rng: np.random.Generator, size: int, history_days: int) -> np.ndarray:
    """Days between acquisition and now; the shop grows, so recent acquisitions are likelier."""
    # Density rising linearly towards today: age = history * (1 - sqrt(u)).
    return history_days * (1.0 - np.sqrt(rng.random(size)))


def rate_scale(
    orders_per_customer: float, *, now: int, history_days: int = HISTORY_DAYS, seed: int = 0
) -> float:
    """The factor on every purchase rate that makes the mean number of orders per customer
    about ``orders_per_customer`` (the mean is linear in that factor)."""
    if orders_per_customer <= 1:
        return 0.0
    rng = np.random.default_rng(seed + 7919)
    return (orders_per_customer - 1.0) / _expected_window(rng, now=now, history_days=history_days)


def simulate(
    rng: np.random.Generator,
    size: int,
    *,
    now: int,
    scale: float,
    history_days: int = HISTORY_DAYS,
    max_orders: int = 400,
) -> Population:
    """Simulate ``size`` customers up to ``now`` (Unix seconds), purchase rates times ``scale``."""
    age_days = _acquisition_age_days(rng, size, history_days)
    acquired = now - (age_days * DAY).astype(np.int64)
    rates = rng.gamma(PURCHASE_SHAPE, PURCHASE_SCALE, size) * scale
    dropout = rng.gamma(DROPOUT_SHAPE, DROPOUT_SCALE, size)
    lifetime = rng.exponential(1.0 / np.maximum(dropout, 1e-9))
    active_days = np.minimum(lifetime, age_days)
    repeats = np.minimum(rng.poisson(rates * active_days), max_orders - 1)
    counts = repeats + 1
    # Gamma-Gamma spend: per-customer level around 1 (shape 6 keeps it within a plausible band).
    spend = rng.gamma(6.0, 1 / 6.0, size)

    total = int(counts.sum())
    order_customer = np.repeat(np.arange(size, dtype=np.int64), counts)
    # Repeat orders are uniform within the active window; the first order is the acquisition.
    offsets = rng.random(total) * np.repeat(active_days, counts) * DAY
    first_index = np.concatenate(([0], np.cumsum(counts)[:-1]))
    offsets[first_index] = 0.0
    order_time = np.repeat(acquired, counts) + offsets.astype(np.int64)
    # Sort within each customer: customer index is the primary key of the sort.
    order = np.lexsort((order_time, order_customer))
    order_time = np.minimum(order_time[order], now - 60)
    return Population(
        acquired_at=acquired,
        order_count=counts.astype(np.int64),
        spend_level=spend,
        order_customer=order_customer[order],
        order_time=order_time,
    )


def local_daytime(rng: np.random.Generator, timestamps: np.ndarray) -> np.ndarray:
    """Move each timestamp to a plausible shopping hour (German evening peak) on its day."""
    # Hours in Europe/Berlin, weighted towards lunch and the evening; UTC is one to two hours
    # behind, one hour is close enough for demo data.
    weights = np.array(
        [1, 1, 0.5, 0.3, 0.3, 0.5, 1, 2, 3, 4, 4, 5, 6, 5, 5, 5, 5, 6, 7, 9, 10, 9, 6, 3],
        dtype=float,
    )
    hours = rng.choice(24, size=len(timestamps), p=weights / weights.sum())
    seconds = hours * 3600 + rng.integers(0, 3600, len(timestamps)) - 3600
    day_start = timestamps - timestamps % DAY
    return day_start + seconds
