"""Benchmark: the plain modules messaging and the service desk stand on, one core each.

    .venv/bin/python benchmarks/messaging_rules.py

Rates per second for: rendering a typical shipping mail (subject, text and HTML with its CSS
inlined) in the sandbox; a governor decision over a customer with four past sends; a greeting;
the "reads as personal" check of a rendered mail; a due time eight business hours ahead on a
Bavarian calendar. The campaign planner and the outbox will spend most of their time elsewhere
(the database, SMTP); these figures say the rules are not the bottleneck.

The last output line is one JSON object: render_per_s, governor_per_s, greeting_per_s,
check_per_s, due_time_per_s.
"""

from __future__ import annotations

import json
import os
import time as clock
from collections.abc import Callable
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stammkunde.settings")
django.setup()

from stammkunde.messaging.governor import PastSend, Purpose, SendRequest, decide  # noqa: E402
from stammkunde.messaging.personal_check import RenderedMail, check_mail  # noqa: E402
from stammkunde.messaging.rendering import render_message  # noqa: E402
from stammkunde.messaging.salutation import Recipient, greeting_for  # noqa: E402
from stammkunde.messaging.template_variables import example_context  # noqa: E402
from stammkunde.service.business_hours import (  # noqa: E402
    BusinessCalendar,
    add_business_minutes,
    weekday_hours,
)

HTML = """<html><head><style>
p { font-family: Georgia, serif; color: #333 } .signature { color: #777 }
@media (max-width: 600px) { p { font-size: 18px } }
</style></head><body>
<p>{{ salutation }},</p>
<p>{% if informal %}Dein{% else %}Ihr{% endif %} Paket zur Bestellung {{ order.number }} ist
unterwegs:</p>
<ul>{% for line in order.lines %}<li>{{ line.quantity }} x {{ line.name }}
({{ line.price|money }})</li>{% endfor %}</ul>
<p><a href="{{ order.tracking_url }}">Sendung verfolgen</a></p>
<p class="signature">Herzliche Grüße<br>{{ sender.name }}</p>
</body></html>"""
TEXT = """{{ salutation }},

{% if informal %}Dein{% else %}Ihr{% endif %} Paket zur Bestellung {{ order.number }} ist unterwegs.
{% for line in order.lines %}- {{ line.quantity }} x {{ line.name }}
{% endfor %}
Verfolgen: {{ order.tracking_url }}

Herzliche Grüße
{{ sender.name }}
"""
SUBJECT = "Ihre Bestellung {{ order.number }} ist unterwegs"


def rate(function: Callable[[], object], seconds: float = 2.0) -> float:
    """Calls per second of ``function``, run for about ``seconds``."""
    function()
    calls, started = 0, clock.perf_counter()
    while (elapsed := clock.perf_counter() - started) < seconds:
        for _ in range(50):
            function()
        calls += 50
    return calls / elapsed


def main() -> None:
    context = example_context()
    berlin = ZoneInfo("Europe/Berlin")
    now = datetime(2026, 12, 3, 10, tzinfo=berlin)
    sends = [
        PastSend(Purpose.NEWSLETTER, now - timedelta(days=days), engaged=False)
        for days in (3, 9, 15, 22)
    ]
    message = render_message(subject=SUBJECT, text=TEXT, html=HTML, context=context)
    greeting = greeting_for(Recipient(first_name="Anna", last_name="Müller", salutation="ms"))
    mail = RenderedMail(
        subject=message.subject,
        text=message.text,
        html=message.html,
        sender="Lena Vogel <lena.vogel@kaffee.example>",
        greeting=greeting,
        order_number="10234",
        product_names=["Äthiopien Sidamo, 500 g"],
    )
    calendar = BusinessCalendar(opening_hours=weekday_hours(time(9), time(17)), subdivision="BY")
    figures = {
        "render_per_s": rate(
            lambda: render_message(subject=SUBJECT, text=TEXT, html=HTML, context=context)
        ),
        "governor_per_s": rate(
            lambda: decide(SendRequest(Purpose.NEWSLETTER, now, recent_sends=sends))
        ),
        "greeting_per_s": rate(
            lambda: greeting_for(
                Recipient(first_name="Anna", last_name="Müller", salutation="ms", title="Dr.")
            )
        ),
        "check_per_s": rate(lambda: check_mail(mail)),
        "due_time_per_s": rate(lambda: add_business_minutes(calendar, now, 480)),
    }
    for name, value in figures.items():
        print(f"{name:>16}: {value:12,.0f}")
    print(json.dumps({name: round(value) for name, value in figures.items()}))


if __name__ == "__main__":
    main()
