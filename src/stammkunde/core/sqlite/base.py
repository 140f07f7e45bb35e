"""Django's SQLite backend, with each write taken in its turn (``core.write_turns``).

A transaction (``BEGIN IMMEDIATE`` ... ``COMMIT``/``ROLLBACK``) is one turn, and so is a write
statement outside a transaction (autocommit: a page's audit row, a webhook's INSERT). Reads
take no turn: in WAL mode they never wait for a writer.
"""

from __future__ import annotations

import re
from contextlib import nullcontext
from typing import Any

from django.db.backends.sqlite3 import base

from stammkunde.core import write_turns

# Statements that take SQLite's write lock when run outside a transaction.
WRITE_STATEMENT = re.compile(r"\s*(?:INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)


class TurnTakingCursor(base.SQLiteCursorWrapper):
    """Runs a write statement outside a transaction in its turn."""

    turns: write_turns.WriteTurns | None = None

    def execute(self, query: str, params: Any = None) -> Any:
        with self._turn(query):
            return super().execute(query, params)

    def executemany(self, query: str, param_list: Any) -> Any:
        with self._turn(query):
            return super().executemany(query, param_list)

    def _turn(self, query: str) -> Any:
        """The turn a statement needs: one for a write outside a transaction, else none."""
        if self.turns is None or self.connection.in_transaction or not WRITE_STATEMENT.match(query):
            return nullcontext()
        return self.turns.turn()


class DatabaseWrapper(base.DatabaseWrapper):
    """Django's SQLite wrapper whose transactions and autocommit writes take turns."""

    _holds_turn = False

    @property
    def turns(self) -> write_turns.WriteTurns | None:
        """The turns of this database file; None in memory (tests), where none are needed."""
        return write_turns.for_database(str(self.settings_dict["NAME"]))

    def create_cursor(self, name: str | None = None) -> Any:
        cursor = self.connection.cursor(factory=TurnTakingCursor)
        cursor.turns = self.turns
        return cursor

    def _start_transaction_under_autocommit(self) -> None:
        turns = self.turns
        if turns is not None and not self._holds_turn:
            self._holds_turn = turns.take()
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._give_back_turn()
            raise

    def _commit(self) -> None:
        try:
            super()._commit()
        finally:
            self._give_back_turn()

    def _rollback(self) -> None:
        try:
            super()._rollback()
        finally:
            self._give_back_turn()

    def _close(self) -> None:
        try:
            super()._close()
        finally:
            self._give_back_turn()

    def _give_back_turn(self) -> None:
        if self._holds_turn:
            self._holds_turn = False
            turns = self.turns
            if turns is not None:
                turns.give_back()


def write_turn(connection: Any) -> Any:
    """A context for one write statement run on the driver's own cursor of ``connection`` (a
    Django connection): its turn on SQLite outside a transaction, nothing otherwise."""
    turns = getattr(connection, "turns", None)
    if turns is None or connection.connection is None or connection.connection.in_transaction:
        return nullcontext()
    return turns.turn()
