"""Rows held back during a block and written together at its end (intake's groups of mails)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

T = TypeVar("T")


@contextmanager
def holding(var: ContextVar[list[T] | None]) -> Iterator[list[T]]:
    """Inside the block ``var`` holds a fresh list, yielded to the caller, who writes what the
    writers appended to it before the block ends; afterwards ``var`` is what it was before."""
    held: list[T] = []
    token = var.set(held)
    try:
        yield held
    finally:
        var.reset(token)
