"""How the inbox tells failures apart: a lost race (try again at once), a transient error
(try again after a pause), or anything else (retry with backoff, then park). No database."""

from __future__ import annotations

from django.db import IntegrityError, InterfaceError, OperationalError


def lost_a_race(exc: BaseException) -> bool:
    """Whether ``exc`` (or what caused it) is a unique-key clash or a deadlock: another worker
    inserted the same row first, and trying again at once finds it."""
    cause = exc.__cause__ or exc.__context__
    return any(isinstance(error, IntegrityError) or is_deadlock(error) for error in (exc, cause))


def is_deadlock(error: BaseException | None) -> bool:
    """Whether ``error`` is PostgreSQL cancelling a transaction to break a lock cycle."""
    # PostgreSQL's SQLSTATE 40P01 (deadlock) and 40001 (serialization failure).
    code = getattr(getattr(error, "__cause__", None), "sqlstate", None)
    return isinstance(error, OperationalError) and code in {"40P01", "40001"}


def is_transient(exc: BaseException) -> bool:
    """A lost connection, lock timeout, deadlock or lost insert race, even when wrapped as
    ApplyError, or data that refers to what has not arrived yet (a refund before its order):
    worth another try after a pause."""
    return getattr(exc, "transient", False) or any(
        isinstance(error, OperationalError | InterfaceError | IntegrityError)
        for error in (exc, exc.__cause__ or exc.__context__)
    )
