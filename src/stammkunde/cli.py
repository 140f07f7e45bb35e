"""The ``stammkunde`` command: Django's management commands with Stammkunde's settings.

``stammkunde demo``, ``stammkunde serve``, ``stammkunde worker`` and ``stammkunde import`` are
management commands of the apps; everything else Django offers (migrate, createsuperuser,
shell ...) works too.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    """Run a management command, e.g. ``stammkunde demo --customers 1000``."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stammkunde.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else ["stammkunde", *argv])
    args[0] = "stammkunde"
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
