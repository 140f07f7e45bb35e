"""The shape of every amount of money in the shop's tables (Decimal, 14 digits, 2 places)."""

from __future__ import annotations

from decimal import Decimal

MONEY = {"max_digits": 14, "decimal_places": 2}
ZERO = Decimal("0.00")
