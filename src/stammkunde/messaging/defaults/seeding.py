"""Creating the shipped Drehbuch: run after every migrate (``MessagingConfig.ready`` connects
it to ``post_migrate``); it adds what is missing and never changes what staff edited.

The triggers ship switched off: a shop switches them on once the sender is a real person of
its team (the demo switches them on with its own names).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction

from stammkunde.messaging.defaults import mails_de, mails_en
from stammkunde.messaging.defaults.layout import (
    HTML_LINES,
    LINES_MARK,
    keep_line_ends,
    letter,
    paragraphs,
)
from stammkunde.messaging.trigger_events import MOMENTS, TriggerEvent

DEFAULT_SENDER_NAME = "Lena Vogel"
DEFAULT_SENDER_ROLE = {"de": "Kundenservice", "en": "Customer care"}


def default_mails() -> dict[str, dict[str, dict[str, str]]]:
    """event -> language -> {name, subject, text, html}, the HTML in the responsive frame."""
    mails: dict[str, dict[str, dict[str, str]]] = {}
    for language, module in (("de", mails_de), ("en", mails_en)):
        for event, mail in module.MAILS.items():
            text = keep_line_ends(mail["text"])
            marked = mail["text"].replace(module.LINES, LINES_MARK)
            html = letter(paragraphs(marked).replace(f"<p>{LINES_MARK}</p>", HTML_LINES))
            mails.setdefault(event, {})[language] = {**mail, "text": text, "html": html}
    return mails


def default_key(event: str) -> str:
    return f"default:{event}"


@transaction.atomic
def seed_default_drehbuch(**_kwargs: Any) -> int:
    """Create the default templates and triggers that do not exist yet; returns how many
    triggers were created."""
    from stammkunde.messaging.models import MessageTemplate, Trigger

    sender_name = getattr(settings, "MESSAGING_FROM_NAME", "") or DEFAULT_SENDER_NAME
    sender_address = settings.DEFAULT_FROM_EMAIL
    created = 0
    for event, languages in default_mails().items():
        key = default_key(event)
        if Trigger.objects.filter(key=key).exists():
            continue
        moment = MOMENTS[TriggerEvent(event)]
        templates = {}
        for language, mail in languages.items():
            templates[language] = MessageTemplate.objects.create(
                name=mail["name"],
                language=language,
                purpose=moment.default_purpose,
                subject=mail["subject"],
                text_body=mail["text"],
                html_body=mail["html"],
            )
            templates[language].versions.create(
                version=1,
                subject=mail["subject"],
                text_body=mail["text"],
                html_body=mail["html"],
            )
        Trigger.objects.create(
            key=key,
            name=languages["en"]["name"],
            event=event,
            delay=moment.default_delay or timedelta(0),
            purpose=moment.default_purpose,
            template_de=templates["de"],
            template_en=templates["en"],
            sender_name=sender_name,
            sender_address=sender_address,
            sender_role=DEFAULT_SENDER_ROLE["de"],
            is_active=False,
        )
        created += 1
    return created
