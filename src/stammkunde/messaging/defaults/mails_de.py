# ruff: noqa: E501, RUF001 (mail prose: a paragraph per line as the mail shows it; the multiplication sign is meant)
"""The shipped German mails: short, warm, from a person, about this order (Sie or Du as the
customer is addressed). Subjects without exclamation marks; no "automatically generated"."""

from __future__ import annotations

SIE_DU = "{% if informal %}{du}{% else %}{sie}{% endif %}"


def sd(sie: str, du: str) -> str:
    """Sie-form and Du-form of a phrase, chosen by the customer's form of address."""
    return SIE_DU.replace("{du}", du).replace("{sie}", sie)


SIGNATURE = """Viele Grüße
{{ sender.name }}
{% if sender.role %}
{{ sender.role }}{% if shop.name %}, {{ shop.name }}{% endif +%}
{% elif shop.name %}
{{ shop.name }}
{% endif %}"""

UNSUBSCRIBE = (
    "{% if unsubscribe_url %}\n"
    + sd("Sie möchten solche Mails nicht mehr?", "Du möchtest solche Mails nicht mehr?")
    + " Ein Klick genügt:\n{{ unsubscribe_url }}\n{% endif %}"
)

LINES = "{% for line in order.lines %}- {{ line.quantity }} × {{ line.name }}\n{% endfor %}"

MAILS = {
    "order_received": {
        "name": "Bestellung eingegangen",
        "subject": "{% if informal %}Deine{% else %}Ihre{% endif %} Bestellung {{ order.number }} ist bei uns",
        "text": f"""{{{{ salutation }}}},

{sd("vielen Dank für Ihre Bestellung", "vielen Dank für deine Bestellung")} {{{{ order.number }}}}. Ich habe sie gerade gesehen und wir packen sie so bald wie möglich:

{LINES}

Zusammen {{{{ order.total|money(order.currency) }}}}. Sobald das Paket unterwegs ist, {sd("schreibe ich Ihnen", "schreibe ich dir")} mit dem Link zur Sendungsverfolgung.

{sd("Haben Sie noch eine Frage oder einen Wunsch? Antworten Sie einfach auf diese Mail, sie landet direkt bei mir.", "Hast du noch eine Frage oder einen Wunsch? Antworte einfach auf diese Mail, sie landet direkt bei mir.")}

{SIGNATURE}""",
    },
    "order_shipped": {
        "name": "Ihr Paket ist unterwegs",
        "subject": "{% if informal %}Dein{% else %}Ihr{% endif %} Paket ist unterwegs (Bestellung {{ order.number }})",
        "text": f"""{{{{ salutation }}}},

{sd("Ihre Bestellung", "deine Bestellung")} {{{{ order.number }}}} hat heute unser Lager verlassen{{% if order.carrier %}} und ist mit {{{{ order.carrier }}}} unterwegs{{% endif %}}.{{% if order.lines %}} Im Paket: {{{{ order.lines|join(", ", attribute="name") }}}}.{{% endif %}}
{{% if order.tracking_url %}}

{sd("Hier können Sie das Paket verfolgen:", "Hier kannst du das Paket verfolgen:")}
{{{{ order.tracking_url }}}}
{{% endif %}}

{sd("Falls etwas nicht ankommt oder nicht passt, antworten Sie einfach auf diese Mail. Ich kümmere mich darum.", "Falls etwas nicht ankommt oder nicht passt, antworte einfach auf diese Mail. Ich kümmere mich darum.")}

{SIGNATURE}""",
    },
    "order_delivered": {
        "name": "Paket zugestellt",
        "subject": "{% if informal %}Deine{% else %}Ihre{% endif %} Bestellung {{ order.number }} ist angekommen",
        "text": f"""{{{{ salutation }}}},

laut Paketdienst ist {sd("Ihre Bestellung", "deine Bestellung")} {{{{ order.number }}}} heute angekommen{{% if order.lines %}} ({{{{ order.lines|join(", ", attribute="name") }}}}){{% endif %}}. Ich hoffe, alles ist heil und so, wie {sd("Sie es sich vorgestellt haben", "du es dir vorgestellt hast")}.

{sd("Falls nicht, antworten Sie mir einfach kurz. Wir finden eine Lösung.", "Falls nicht, antworte mir einfach kurz. Wir finden eine Lösung.")}

{SIGNATURE}""",
    },
    "withdrawal_received": {
        "name": "Widerruf erhalten",
        "subject": "{% if informal %}Dein{% else %}Ihr{% endif %} Widerruf zur Bestellung {{ order.number }}",
        "text": f"""{{{{ salutation }}}},

{sd("Ihren Widerruf", "deinen Widerruf")} zur Bestellung {{{{ order.number }}}} habe ich erhalten, danke für die Nachricht.

{sd("Bitte schicken Sie die Ware an uns zurück.", "Bitte schick die Ware an uns zurück.")} Sobald sie bei uns ist, erstatten wir den Betrag auf dem Weg, auf dem {sd("Sie bezahlt haben", "du bezahlt hast")}. {sd("Wenn Sie dazu eine Frage haben, antworten Sie einfach auf diese Mail.", "Wenn du dazu eine Frage hast, antworte einfach auf diese Mail.")}

{SIGNATURE}""",
    },
    "return_arrived": {
        "name": "Rücksendung angekommen",
        "subject": "{% if informal %}Deine{% else %}Ihre{% endif %} Rücksendung zur Bestellung {{ order.number }} ist da",
        "text": f"""{{{{ salutation }}}},

{sd("Ihre Rücksendung", "deine Rücksendung")} zur Bestellung {{{{ order.number }}}} ist heute bei uns angekommen. Wir sehen sie uns an und melden uns in den nächsten Tagen mit der Erstattung.

{sd("Danke, dass Sie alles so gut verpackt haben.", "Danke, dass du alles so gut verpackt hast.")}

{SIGNATURE}""",
    },
    "refund_issued": {
        "name": "Erstattung veranlasst",
        "subject": "{% if informal %}Deine{% else %}Ihre{% endif %} Erstattung zur Bestellung {{ order.number }}",
        "text": f"""{{{{ salutation }}}},

für {sd("Ihre Bestellung", "deine Bestellung")} {{{{ order.number }}}} habe ich die Erstattung gerade veranlasst. Je nach Zahlungsart ist das Geld in ein paar Tagen auf {sd("Ihrem Konto", "deinem Konto")}.

{sd("Sollte es nicht ankommen, sagen Sie mir bitte Bescheid.", "Sollte es nicht ankommen, sag mir bitte Bescheid.")}

{SIGNATURE}""",
    },
    "case_opened": {
        "name": "Anliegen angekommen",
        "subject": "{% if informal %}Dein{% else %}Ihr{% endif %} Anliegen {{ case.reference }}: {{ case.subject }}",
        "text": f"""{{{{ salutation }}}},

danke für {sd("Ihre Nachricht", "deine Nachricht")} zu „{{{{ case.subject }}}}“. Ich habe sie gelesen und kümmere mich darum; {sd("Sie hören", "du hörst")} so bald wie möglich von mir.

Unter der Nummer {{{{ case.reference }}}} finden wir alles schnell wieder, falls {sd("Sie anrufen", "du anrufst")}.

{SIGNATURE}""",
    },
    "case_answered": {
        "name": "Antwort auf Ihr Anliegen",
        "subject": "{% if informal %}Dein{% else %}Ihr{% endif %} Anliegen {{ case.reference }}: {{ case.subject }}",
        "text": f"""{{{{ salutation }}}},

zu {sd("Ihrem Anliegen", "deinem Anliegen")} „{{{{ case.subject }}}}“ ({{{{ case.reference }}}}) habe ich geantwortet. {sd("Wenn noch etwas offen ist, antworten Sie einfach auf meine Mail.", "Wenn noch etwas offen ist, antworte einfach auf meine Mail.")}

{SIGNATURE}""",
    },
    "case_solved": {
        "name": "Anliegen erledigt",
        "subject": "{% if informal %}Dein{% else %}Ihr{% endif %} Anliegen {{ case.reference }} ist erledigt",
        "text": f"""{{{{ salutation }}}},

ich habe {sd("Ihr Anliegen", "dein Anliegen")} „{{{{ case.subject }}}}“ ({{{{ case.reference }}}}) als erledigt markiert. Ich hoffe, wir konnten {sd("Ihnen", "dir")} helfen.

{sd("Falls doch noch etwas fehlt, antworten Sie einfach auf diese Mail, dann geht es direkt weiter.", "Falls doch noch etwas fehlt, antworte einfach auf diese Mail, dann geht es direkt weiter.")}

{SIGNATURE}""",
    },
    "feedback_request": {
        "name": "Wie war's?",
        "subject": "Eine kurze Frage zu {% if informal %}Deiner{% else %}Ihrer{% endif %} Bestellung {{ order.number }}",
        "text": f"""{{{{ salutation }}}},

{sd("Ihre Bestellung", "deine Bestellung")} {{{{ order.number }}}} ist jetzt eine Woche bei {sd("Ihnen", "dir")}{{% if order.lines %}} und {sd("Sie hatten", "du hattest")} Zeit, {{{{ order.lines[0].name }}}} auszuprobieren{{% endif %}}. Ich würde gern wissen, wie es {sd("Ihnen", "dir")} gefällt.

Ein, zwei Sätze als Antwort auf diese Mail reichen völlig. Ich lese jede Antwort selbst.

{SIGNATURE}

{UNSUBSCRIBE}""",
    },
    "cross_sell": {
        "name": "Passend zu Ihrem Einkauf",
        "subject": "Eine Idee zu {% if informal %}Deiner{% else %}Ihrer{% endif %} Bestellung {{ order.number }}",
        "text": f"""{{{{ salutation }}}},

vor ein paar Wochen {sd("haben Sie", "hast du")} bei uns{{% if order.lines %}} {{{{ order.lines[0].name }}}}{{% endif %}} bestellt (Bestellung {{{{ order.number }}}}). Viele, die das mögen, haben auch unsere neuen Sorten probiert{{% if shop.url %}}: {{{{ shop.url }}}}{{% else %}}.{{% endif %}}

Nur als Idee, ohne Eile. {sd("Wenn Sie eine Empfehlung möchten, antworten Sie mir einfach.", "Wenn du eine Empfehlung möchtest, antworte mir einfach.")}

{SIGNATURE}

{UNSUBSCRIBE}""",
    },
    "birthday": {
        "name": "Geburtstagsgruß",
        "subject": "Alles Gute zum Geburtstag",
        "text": f"""{{{{ salutation }}}},

heute ist {sd("Ihr", "dein")} Geburtstag, und dazu {sd("wünsche ich Ihnen", "wünsche ich dir")} von uns allen alles Gute. Danke, dass {sd("Sie", "du")} bei uns {sd("einkaufen", "einkaufst")}.

{SIGNATURE}

{UNSUBSCRIBE}""",
    },
}
