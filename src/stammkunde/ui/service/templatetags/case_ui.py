"""The cases panel of the customer 360 page (the page audits its own read of the customer)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

register = template.Library()


@register.inclusion_tag("ui/service/cases/_customer_cases.html", takes_context=True)
def customer_cases_panel(context: Any, customer: Any) -> dict[str, Any]:
    """The customer's latest cases and the buttons to open one (by phone or otherwise)."""
    from stammkunde.service.case_queries import cases_of_customer

    user = context["request"].user
    can_see = user.has_perm("service.work_cases") or user.has_perm("service.mediate_cases")
    return {
        "customer": customer,
        "cases": cases_of_customer(customer.pk, by=user) if can_see else [],
        "can_open": user.has_perm("service.work_cases"),
    }


@register.simple_tag(takes_context=True)
def breach_alert_badge(context: Any) -> int:
    """How many of the user's cases are about to miss or past their deadline (a count)."""
    from stammkunde.service.alert_queries import breach_alert_count

    request = context.get("request")
    return breach_alert_count(getattr(request, "user", None))


@register.simple_tag
def case_thread(messages: Any, choosable: bool = False) -> str:
    """The thread's messages as HTML list items, one per message. Written in Python rather
    than as a template: a thread of 200 messages spends most of its time resolving template
    variables otherwise (benchmarks/case_page.py); what is the same for every message (labels,
    the date format, the frame's URL) is looked up once per thread. Every value is escaped;
    the mail's HTML is shown only inside a sandboxed frame (no scripts). ``choosable`` adds
    the checkbox that picks a message for a split (it belongs to the page's split form by its
    ``form`` id)."""
    writer = _ThreadWriter(choosable=choosable)
    return mark_safe("".join(writer.item(message) for message in messages))


@register.simple_tag
def case_message(message: Any, choosable: bool = False) -> str:
    """One message of the thread as HTML (see ``case_thread``)."""
    return mark_safe(_ThreadWriter(choosable=choosable).item(message))


class _ThreadWriter:
    """Writes thread messages as HTML with the page's labels and formats, fetched once."""

    def __init__(self, *, choosable: bool) -> None:
        from django.urls import reverse
        from django.utils.formats import get_format
        from django.utils.translation import gettext

        self.labels = {
            "note": escape(gettext("Internal note")),
            "outbound": escape(gettext("Reply")),
            "inbound": escape(gettext("From the customer")),
        }
        self.date_format = get_format("SHORT_DATETIME_FORMAT")
        self.html_title = escape(gettext("HTML version"))
        # The frame's URL reversed once, around two placeholder ids (ids are digits).
        url = escape(reverse("ui:case-message-html", args=(1234567, 7654321)))
        self.frame_head, rest = url.split("1234567", 1)
        self.frame_middle, self.frame_tail = rest.split("7654321", 1)
        self.original = (
            '<details class="original"><summary>'
            + escape(gettext("Original"))
            + '</summary><dl class="small"><dt>'
            + escape(gettext("From"))
            + "</dt><dd>{}</dd><dt>"
            + escape(gettext("To"))
            + "</dt><dd>{}</dd><dt>"
            + escape(gettext("Subject"))
            + "</dt><dd>{}</dd>{}</dl>{}</details>"
        )
        # The split checkbox, before and after the message's id (digits: no escaping needed).
        self.choosable = choosable
        self.choose_head = (
            '<label class="split-choice"><input type="checkbox" name="message" value="'
        )
        self.choose_tail = (
            '" form="split-form"> ' + escape(gettext("into a new case")) + "</label> "
        )

    def item(self, message: Any) -> str:
        """One message as an HTML list item."""
        from django.utils.dateformat import format as format_date
        from django.utils.html import linebreaks
        from django.utils.timezone import localtime

        author = message.author
        who = (author.get_full_name() or author.get_username()) if author else message.from_address
        moment = localtime(message.created_at)
        body = linebreaks(message.body_text, autoescape=True)
        original = ""
        if message.direction != "note":
            if message.body_html:
                # Its own URL, not srcdoc: the frame then runs under the mail's policy, where
                # its inline styles apply (ui/mail_frame.py). allow-same-origin (never with
                # allow-scripts) lets its cid: images load from the logged-in attachment URL: a
                # frame of opaque origin sends no session cookie and would get the login page.
                url = (
                    f"{self.frame_head}{int(message.case_id)}"
                    f"{self.frame_middle}{int(message.pk)}{self.frame_tail}"
                )
                content = (
                    f'<iframe class="mail-html" sandbox="allow-same-origin" '
                    f'title="{self.html_title}" src="{url}"></iframe>'
                )
            else:
                content = f'<pre class="mail-text">{escape(message.body_text)}</pre>'
            message_id = (
                f"<dt>Message-ID</dt><dd><code>{escape(message.message_id)}</code></dd>"
                if message.message_id
                else ""
            )
            original = self.original.format(
                escape(message.from_address),
                escape(message.to_address),
                escape(message.subject),
                message_id,
                content,
            )
        direction = message.direction
        choose = f"{self.choose_head}{int(message.pk)}{self.choose_tail}" if self.choosable else ""
        return (
            f'<li class="message-{escape(direction)}" id="message-{int(message.pk)}">'
            f'<div class="message-meta">{choose}'
            f"<strong>{self.labels.get(direction) or escape(direction)}"
            f"</strong> · {escape(who)} · "
            f'<time datetime="{escape(moment.isoformat())}">'
            f"{escape(format_date(moment, self.date_format))}</time></div>"
            f'<div class="message-body">{body}</div>{original}</li>'
        )
