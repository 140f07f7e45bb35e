"""The ``stammkunde`` command: Django's management commands with Stammkunde's settings.

``stammkunde demo``, ``stammkunde serve``, ``stammkunde worker`` and ``stammkunde import`` are
management commands of the apps; everything else Django offers (migrate, createsuperuser,
shell ...) works too.
"""

from __future__ import annotations

import os
import sys

# Commands that read or write the application's tables and do not create them themselves
# (``demo`` migrates first; ``migrate``, ``check``, ``shell`` ... need no tables).
# ``import`` checks its file first and tells about missing tables itself.
NEEDS_TABLES = frozenset(
    {
        "analytics",
        "connectors",
        "api",
        "mail",
        "send_mail",
        "serve",
        "worker",
        "backup",
        "createsuperuser",
        "changepassword",
    }
)


def main(argv: list[str] | None = None) -> None:
    """Run a management command, e.g. ``stammkunde demo --customers 1000``.

    A command that needs the tables, run against a database that was never migrated, stops
    with one line saying so and how to fix it instead of Django's "no such table".
    """
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stammkunde.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else ["stammkunde", *argv])
    args[0] = "stammkunde"
    if len(args) > 1 and args[1] in NEEDS_TABLES and not {"-h", "--help"} & set(args):
        import django
        from django.utils import translation

        django.setup()
        from django.conf import settings

        from stammkunde.core.setup_check import database_not_set_up

        with translation.override(settings.LANGUAGE_CODE):
            problem = database_not_set_up()
        if problem:
            sys.stderr.write(problem + "\n")
            raise SystemExit(2)
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
