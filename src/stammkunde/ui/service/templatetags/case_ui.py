"""The cases panel of the customer 360 page (the page audits its own read of the customer)."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.inclusion_tag("ui/service/cases/_customer_cases.html", takes_context=True)
def customer_cases_panel(context: Any, customer: Any) -> dict[str, Any]:
    """The customer's latest cases and the buttons to open one (by phone or otherwise)."""
    from stammkunde.service.case_queries import cases_of_customer

    user = context["request"].user
    can_see = user.has_perm("service.work_cases") or user.has_perm("service.mediate_cases")
    return {
        "customer": customer,
        "cases": cases_of_customer(customer.pk) if can_see else [],
        "can_open": user.has_perm("service.work_cases"),
    }


@register.simple_tag
def case_message(message: Any, choosable: bool = False) -> str:
    """One message of the thread as HTML. Written in Python rather than as a template: a
    thread of 200 messages spends most of its time resolving template variables otherwise
    (benchmarks/case_page.py). Every value is escaped by ``format_html``; the mail's HTML is
    shown only inside a sandboxed frame (no scripts). ``choosable`` adds the checkbox that
    picks the message for a split (it belongs to the page's split form by its ``form`` id)."""
    from django.urls import reverse
    from django.utils.dateformat import format as format_date
    from django.utils.formats import get_format
    from django.utils.html import format_html, linebreaks
    from django.utils.timezone import localtime
    from django.utils.translation import gettext

    labels = {
        "note": gettext("Internal note"),
        "outbound": gettext("Reply"),
        "inbound": gettext("From the customer"),
    }
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
            content = format_html(
                '<iframe class="mail-html" sandbox="allow-same-origin" title="{}" src="{}">'
                "</iframe>",
                gettext("HTML version"),
                reverse("ui:case-message-html", args=(message.case_id, message.pk)),
            )
        else:
            content = format_html('<pre class="mail-text">{}</pre>', message.body_text)
        message_id = (
            format_html("<dt>Message-ID</dt><dd><code>{}</code></dd>", message.message_id)
            if message.message_id
            else ""
        )
        original = format_html(
            '<details class="original"><summary>{}</summary><dl class="small">'
            "<dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd>{}</dl>{}</details>",
            gettext("Original"),
            gettext("From"),
            message.from_address,
            gettext("To"),
            message.to_address,
            gettext("Subject"),
            message.subject,
            message_id,
            content,
        )
    choose = (
        format_html(
            '<label class="split-choice"><input type="checkbox" name="message" value="{}"'
            ' form="split-form"> {}</label> ',
            message.pk,
            gettext("into a new case"),
        )
        if choosable
        else ""
    )
    return format_html(
        '<li class="message-{}" id="message-{}"><div class="message-meta">{}<strong>{}</strong>'
        ' · {} · <time datetime="{}">{}</time></div><div class="message-body">{}</div>{}</li>',
        message.direction,
        message.pk,
        choose,
        labels.get(message.direction, message.direction),
        who,
        moment.isoformat(),
        format_date(moment, get_format("SHORT_DATETIME_FORMAT")),
        body,
        original,
    )
