"""Input checks and row compression shared by the models.

Customers with the same (frequency, recency, T) have the same likelihood, so the fits work on the
distinct rows with their counts as weights (Fader & Hardie do the same in their spreadsheets). On
a shop's data in whole days that turns a million customers into a few hundred thousand rows or
fewer; predictions use the same trick on the columns they depend on.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]


def as_float_array(values: ArrayLike, name: str) -> FloatArray:
    """A 1-D float array of finite values, or a ValueError that names the column."""
    array = np.asarray(values, dtype=np.float64)
    if array.ndim == 0:
        array = array.reshape(1)
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {array.shape}.")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} contains values that are not finite numbers (NaN or infinity).")
    return array


def check_rfm(
    frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Validate (frequency, recency, T) and return them as float arrays of equal length.

    Scalars broadcast against arrays. Raises ValueError for negative or fractional frequencies,
    negative times, recency after T, or a recency for a customer without repeat purchases.
    """
    x = as_float_array(frequency, "frequency")
    t_x = as_float_array(recency, "recency")
    age = as_float_array(T, "T")
    try:
        x, t_x, age = np.broadcast_arrays(x, t_x, age)
    except ValueError as error:
        raise ValueError("frequency, recency and T must have the same length.") from error
    if np.any(x < 0) or np.any(x != np.floor(x)):
        raise ValueError("frequency must be a whole number of repeat purchases, 0 or more.")
    if np.any(t_x < 0):
        raise ValueError("recency must not be negative.")
    if np.any(age < 0):
        raise ValueError("T (the customer's age) must not be negative.")
    if np.any(t_x > age):
        raise ValueError("recency must not be greater than T (last purchase after the end).")
    if np.any((x == 0) & (t_x != 0)):
        raise ValueError("recency must be 0 for customers without repeat purchases.")
    return x.copy(), t_x.copy(), age.copy()


def check_weights(weights: ArrayLike | None, size: int) -> FloatArray:
    """Counts of identical rows: finite, not negative; ones when not given."""
    if weights is None:
        return np.ones(size)
    w = as_float_array(weights, "weights")
    if w.shape != (size,):
        raise ValueError("weights must have one entry per customer row.")
    if np.any(w < 0):
        raise ValueError("weights must not be negative.")
    return w


def weighted_sum(weights: FloatArray, values: FloatArray) -> float:
    """sum(weights * values) without BLAS: a BLAS dot spawns threads that crawl on a busy host."""
    return float(np.einsum("i,i->", weights, values))


def log_shifted(column: FloatArray, shift: float) -> FloatArray:
    """log(column + shift); for whole numbers (days) once per distinct value, then gathered."""
    if column.size > 10_000:
        low, high = (column.min(), column.max()) if column.size else (0.0, 0.0)
        if high - low < column.size and np.all(column == np.floor(column)):
            table = np.log(np.arange(low, high + 1) + shift)
            return table[(column - low).astype(np.intp)]
    return np.log(column + shift)


def _codes(column: FloatArray) -> tuple[FloatArray, NDArray[np.int64]]:
    """Distinct values of a column and each row's position among them."""
    integral = column.size > 0 and np.all(column == np.floor(column))
    if integral:
        low, high = column.min(), column.max()
        if high - low < 50_000_000:
            # Whole numbers (days, counts): the offset is the code, no sort needed.
            offsets = (column - low).astype(np.int64)
            present = np.zeros(int(high - low) + 1, dtype=bool)
            present[offsets] = True
            positions = np.cumsum(present) - 1
            values = np.flatnonzero(present).astype(np.float64) + low
            return values, positions[offsets]
    values, inverse = np.unique(column, return_inverse=True)
    return values, inverse.astype(np.int64)


@dataclass(frozen=True)
class DistinctRows:
    """The distinct rows of some columns, their counts and each input row's distinct-row index."""

    columns: tuple[FloatArray, ...]
    counts: FloatArray
    inverse: NDArray[np.int64]


def _dense(key: NDArray[np.int64], radix: int) -> tuple[NDArray[np.int64], int]:
    """Renumber keys in [0, radix) to 0..k-1 in key order; k distinct keys."""
    if radix <= max(64 * key.size, 1 << 20):
        # Few possible keys: mark and number them without sorting.
        present = np.zeros(radix, dtype=bool)
        present[key] = True
        keys = np.flatnonzero(present)
        lookup = np.empty(radix, dtype=np.int64)
        lookup[keys] = np.arange(keys.size)
        return lookup[key], int(keys.size)
    unique_keys, inverse = np.unique(key, return_inverse=True)
    return inverse.astype(np.int64), int(unique_keys.size)


def distinct_rows(*columns: FloatArray, weights: FloatArray | None = None) -> DistinctRows:
    """Group equal rows across the given equal-length columns, summing weights per group.

    Columns are combined one at a time, renumbering the distinct combinations after each, so the
    key range stays small enough to group by marking instead of sorting.
    """
    size = columns[0].size
    key = np.zeros(size, dtype=np.int64)
    radix = 1
    for column in columns:
        values, codes = _codes(column)
        key, radix = _dense(key * len(values) + codes, radix * max(len(values), 1))
    counts = np.bincount(key, weights=weights, minlength=radix).astype(np.float64)
    representative = np.empty(radix, dtype=np.int64)
    representative[key] = np.arange(size)
    decoded = tuple(column[representative] for column in columns)
    return DistinctRows(decoded, counts, key)
