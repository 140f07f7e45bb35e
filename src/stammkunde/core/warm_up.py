"""Warming a web process up before it takes requests.

Django imports views, template tag libraries and the rest lazily, and compiles each template on
first use; many of our queries and services import their helpers inside functions (to keep the
app layers apart). In a fresh process the first customer page cost about 2 s of CPU, and with
the views and templates warmed still 1.2 s, paid by whichever staff member happened to open it
first after a start or a worker restart (under load, the first ten seconds held a third of the
slowest pages). ``stammkunde serve`` calls ``warm_up`` in each web process before it accepts
connections, so that cost is paid at boot: every module of the project is imported, both
languages' catalogues loaded and every template compiled. Nothing here touches the database.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
import time
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.template import TemplateDoesNotExist, TemplateSyntaxError
from django.template.loader import get_template
from django.urls import get_resolver
from django.utils import translation

logger = logging.getLogger(__name__)

# Modules a web process does not need or must not import: running the package or its command
# line, the management commands and migrations (read only by their commands), and the demo shop's
# generator (``stammkunde demo``; it brings Faker's locales).
SKIPPED = ("stammkunde.__main__", "stammkunde.cli")
SKIPPED_PARTS = frozenset({"migrations", "management"})
SKIPPED_PACKAGES = ("stammkunde.demo.",)


def project_modules() -> list[str]:
    """The dotted names of every module of the ``stammkunde`` package a web process may need,
    sorted, without importing any of them."""
    import stammkunde

    names = []
    for module in pkgutil.walk_packages(stammkunde.__path__, prefix="stammkunde."):
        if (
            module.name in SKIPPED
            or module.name.startswith(SKIPPED_PACKAGES)
            or SKIPPED_PARTS.intersection(module.name.split("."))
        ):
            continue
        names.append(module.name)
    return sorted(names)


def import_project_modules() -> list[str]:
    """Import every project module; returns the names that failed (each logged), which are left
    for the page that needs them to report."""
    failed = []
    for name in project_modules():
        try:
            importlib.import_module(name)
        except Exception as error:  # a module that fails must not stop the start
            logger.warning("warm-up: module %s: %s", name, error)
            failed.append(name)
    return failed


def our_templates() -> list[str]:
    """The names of the project's own templates (those of its apps' ``templates`` folders)."""
    names: list[str] = []
    for config in apps.get_app_configs():
        if not config.name.startswith("stammkunde."):
            continue
        folder = Path(config.path) / "templates"
        if folder.is_dir():
            names.extend(
                path.relative_to(folder).as_posix()
                for path in sorted(folder.rglob("*"))
                if path.suffix in {".html", ".txt"}
            )
    return names


def warm_up() -> float:
    """Import every view (through the URLconf) and every other project module, load both
    languages' catalogues and compile the project's templates; returns the seconds it took. A
    module or template that fails is logged and left for its page to report, never a reason
    not to start."""
    started = time.monotonic()
    get_resolver().url_patterns  # noqa: B018  (imports every URLconf and so every view)
    import_project_modules()
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            translation.gettext("Customers")
    for name in our_templates():
        try:
            get_template(name)
        except (TemplateDoesNotExist, TemplateSyntaxError) as error:
            logger.warning("warm-up: template %s: %s", name, error)
    return time.monotonic() - started
