"""Whether the database was ever set up, for commands that would otherwise say "no such table"."""

from __future__ import annotations


def database_not_set_up() -> str:
    """A message saying that the database has no tables yet and how to create them; "" when
    the database was migrated (or cannot be reached: the command then tells why itself)."""
    from django.conf import settings
    from django.db import DatabaseError, connection
    from django.utils.translation import gettext as _

    try:
        if "django_migrations" in connection.introspection.table_names():
            return ""
    except DatabaseError:
        return ""
    return _(
        "The database %(name)s has no tables yet: this data directory was never set up. "
        "Run “stammkunde migrate” first (or “stammkunde demo” for a demo shop), then run this "
        "command again."
    ) % {"name": settings.DATABASES["default"]["NAME"]}
