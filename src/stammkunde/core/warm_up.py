"""Warming a web process up before it takes requests.

Django imports views, template tag libraries and the rest lazily, and compiles each template on
first use: in a fresh process the first customer page cost about 2 s of CPU (some 680 modules
imported, the templates compiled), paid by whichever staff member happened to open it first
after a start or a worker restart. ``stammkunde serve`` calls ``warm_up`` in each web process
before it accepts connections, so that cost is paid at boot. Nothing here touches the database.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.template import TemplateDoesNotExist, TemplateSyntaxError
from django.template.loader import get_template
from django.urls import get_resolver
from django.utils import translation

logger = logging.getLogger(__name__)


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
    """Import every view (through the URLconf), load both languages' catalogues and compile
    the project's templates; returns the seconds it took. A template that does not compile is
    logged and left for its page to report, never a reason not to start."""
    started = time.monotonic()
    get_resolver().url_patterns  # noqa: B018  (imports every URLconf and so every view)
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            translation.gettext("Customers")
    for name in our_templates():
        try:
            get_template(name)
        except (TemplateDoesNotExist, TemplateSyntaxError) as error:
            logger.warning("warm-up: template %s: %s", name, error)
    return time.monotonic() - started
