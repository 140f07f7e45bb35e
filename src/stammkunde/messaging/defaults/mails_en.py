# ruff: noqa: E501, RUF001 (mail prose: a paragraph per line as the mail shows it; the multiplication sign is meant)
"""The shipped English mails: short, warm, from a person, about this order."""

from __future__ import annotations

SIGNATURE = """Best wishes,
{{ sender.name }}
{% if sender.role %}
{{ sender.role }}{% if shop.name %}, {{ shop.name }}{% endif +%}
{% elif shop.name %}
{{ shop.name }}
{% endif %}"""

UNSUBSCRIBE = (
    "{% if unsubscribe_url %}\nRather not get mails like this? One click is enough:\n"
    "{{ unsubscribe_url }}\n{% endif %}"
)

LINES = "{% for line in order.lines %}- {{ line.quantity }} × {{ line.name }}\n{% endfor %}"

MAILS = {
    "order_received": {
        "name": "Order received",
        "subject": "Your order {{ order.number }} is with us",
        "text": f"""{{{{ salutation }}}},

thank you for your order {{{{ order.number }}}}. I have just seen it come in, and we will pack it as soon as we can:

{LINES}

That comes to {{{{ order.total|money(order.currency) }}}}. As soon as the parcel is on its way, I will write to you with the tracking link.

Any question or wish? Just reply to this mail; it comes straight to me.

{SIGNATURE}""",
    },
    "order_shipped": {
        "name": "Your parcel is on its way",
        "subject": "Your parcel is on its way (order {{ order.number }})",
        "text": f"""{{{{ salutation }}}},

your order {{{{ order.number }}}} left our warehouse today{{% if order.carrier %}} and is on its way with {{{{ order.carrier }}}}{{% endif %}}.{{% if order.lines %}} In the parcel: {{{{ order.lines|join(", ", attribute="name") }}}}.{{% endif %}}
{{% if order.tracking_url %}}

You can follow the parcel here:
{{{{ order.tracking_url }}}}
{{% endif %}}

If anything does not arrive or is not right, just reply to this mail and I will take care of it.

{SIGNATURE}""",
    },
    "order_delivered": {
        "name": "Parcel delivered",
        "subject": "Your order {{ order.number }} has arrived",
        "text": f"""{{{{ salutation }}}},

the carrier tells us your order {{{{ order.number }}}} arrived today{{% if order.lines %}} ({{{{ order.lines|join(", ", attribute="name") }}}}){{% endif %}}. I hope everything is in one piece and just as you imagined.

If not, drop me a short reply and we will sort it out.

{SIGNATURE}""",
    },
    "withdrawal_received": {
        "name": "Withdrawal received",
        "subject": "Your withdrawal for order {{ order.number }}",
        "text": f"""{{{{ salutation }}}},

I have received your withdrawal for order {{{{ order.number }}}}; thank you for letting us know.

Please send the goods back to us. Once they are here, we refund the amount the way you paid. If you have a question about it, just reply to this mail.

{SIGNATURE}""",
    },
    "return_arrived": {
        "name": "Return arrived",
        "subject": "Your return for order {{ order.number }} is here",
        "text": f"""{{{{ salutation }}}},

your return for order {{{{ order.number }}}} arrived with us today. We will have a look and get back to you with the refund in the next few days.

Thank you for packing everything so carefully.

{SIGNATURE}""",
    },
    "refund_issued": {
        "name": "Refund issued",
        "subject": "Your refund for order {{ order.number }}",
        "text": f"""{{{{ salutation }}}},

I have just issued the refund for your order {{{{ order.number }}}}. Depending on how you paid, the money will be in your account within a few days.

If it does not arrive, please let me know.

{SIGNATURE}""",
    },
    "case_opened": {
        "name": "Your request arrived",
        "subject": "Your request {{ case.reference }}: {{ case.subject }}",
        "text": f"""{{{{ salutation }}}},

thank you for your message about “{{{{ case.subject }}}}”. I have read it and I am on it; you will hear from me as soon as possible.

With the number {{{{ case.reference }}}} we find everything quickly, should you call us.

{SIGNATURE}""",
    },
    "case_answered": {
        "name": "Reply to your request",
        "subject": "Your request {{ case.reference }}: {{ case.subject }}",
        "text": f"""{{{{ salutation }}}},

I have replied to your request “{{{{ case.subject }}}}” ({{{{ case.reference }}}}). If anything is still open, just answer my mail.

{SIGNATURE}""",
    },
    "case_solved": {
        "name": "Request solved",
        "subject": "Your request {{ case.reference }} is solved",
        "text": f"""{{{{ salutation }}}},

I have marked your request “{{{{ case.subject }}}}” ({{{{ case.reference }}}}) as solved. I hope we could help.

If something is still missing, just reply to this mail and we carry on right away.

{SIGNATURE}""",
    },
    "feedback_request": {
        "name": "How was it?",
        "subject": "A quick question about your order {{ order.number }}",
        "text": f"""{{{{ salutation }}}},

your order {{{{ order.number }}}} has been with you for a week now{{% if order.lines %}}, and you have had time to try {{{{ order.lines[0].name }}}}{{% endif %}}. I would love to know how you like it.

A sentence or two in reply to this mail is plenty. I read every answer myself.

{SIGNATURE}

{UNSUBSCRIBE}""",
    },
    "cross_sell": {
        "name": "Something to go with your order",
        "subject": "An idea about your order {{ order.number }}",
        "text": f"""{{{{ salutation }}}},

a few weeks ago you ordered{{% if order.lines %}} {{{{ order.lines[0].name }}}}{{% endif %}} from us (order {{{{ order.number }}}}). Many who like it have also tried our new varieties{{% if shop.url %}}: {{{{ shop.url }}}}{{% else %}}.{{% endif %}}

Just an idea, no rush. If you would like a recommendation, simply reply to me.

{SIGNATURE}

{UNSUBSCRIBE}""",
    },
    "birthday": {
        "name": "Birthday greeting",
        "subject": "Happy birthday",
        "text": f"""{{{{ salutation }}}},

today is your birthday, and all of us wish you a wonderful day. Thank you for shopping with us.

{SIGNATURE}

{UNSUBSCRIBE}""",
    },
}
