"""Fixtures of the shop tests: two shops and their customers, an agent limited to one."""

from tests.two_shops import two_shops  # noqa: F401
