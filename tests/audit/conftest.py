"""Fixtures of the audit tests: two shops and an agent limited to one (tests/two_shops.py)."""

from tests.two_shops import two_shops  # noqa: F401
