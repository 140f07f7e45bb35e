"""The session engine: Django's database sessions, read with a statement compiled once.

Every staff page loads its session first. Django's database store builds and compiles the
same ``Session.objects.get(session_key=..., expire_date__gt=now)`` on each request (about
0.3 ms of CPU, ten times running it); here the read is a ``core.compiled.CompiledRead``.
Everything else (saving, creating, cycling keys, clearing expired sessions) is Django's.
"""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.db import router
from django.utils import timezone

from stammkunde.core.compiled import MOMENT, TEXT, CompiledRead

_LIVE_SESSION = CompiledRead(
    lambda session_key, now: Session.objects.filter(
        session_key=session_key, expire_date__gt=now
    ).order_by(),
    session_key=TEXT,
    now=MOMENT,
)


class SessionStore(db.SessionStore):
    """Django's database session store with the compiled read."""

    def _get_session_from_db(self) -> Any:
        # As Django's: the unexpired session of this key, else forget the key (a new one is
        # made when the session is saved).
        session = _LIVE_SESSION.first(
            using=router.db_for_read(Session), session_key=self.session_key, now=timezone.now()
        )
        if session is None:
            self._session_key = None
        return session
