"""The Drehbuch that ships: every mail validates and reads as personal, in both languages and
both forms of address, rendered with a real customer's data."""

from __future__ import annotations

from decimal import Decimal

import pytest

from stammkunde.messaging import personal_check
from stammkunde.messaging.defaults.seeding import default_mails, seed_default_drehbuch
from stammkunde.messaging.mail_data import Sender, mail_data
from stammkunde.messaging.models import Trigger
from stammkunde.messaging.rendering import TemplateKind, render_message, validate_template
from stammkunde.messaging.trigger_events import MOMENTS, TriggerEvent
from tests.factories import CustomerFactory, OrderFactory, OrderLineFactory

SENDER = Sender("Lena Vogel", "lena.vogel@kaffee.example", "Kundenservice")
PART_OF_AN_ORDER = {"withdrawal_received", "return_arrived", "refund_issued"}
MACHINE_WORDS = ("automatisch", "automatically", "antworten sie nicht", "do not reply", "no-reply")


def test_every_event_has_a_german_and_an_english_mail():
    mails = default_mails()
    assert set(mails) == {str(event) for event in TriggerEvent}
    assert all(set(languages) == {"de", "en"} for languages in mails.values())


@pytest.mark.parametrize("event", [str(event) for event in TriggerEvent])
@pytest.mark.parametrize("language", ["de", "en"])
def test_default_mail_validates(event, language):
    mail = default_mails()[event][language]
    assert validate_template(mail["subject"], kind=TemplateKind.SUBJECT) == []
    assert validate_template(mail["text"], kind=TemplateKind.TEXT) == []
    assert validate_template(mail["html"], kind=TemplateKind.HTML) == []


@pytest.mark.django_db
@pytest.mark.parametrize("event", [str(event) for event in TriggerEvent])
@pytest.mark.parametrize("language", ["de", "en"])
@pytest.mark.parametrize("form", ["formal", "informal"])
def test_default_mail_reads_as_personal_for_a_real_customer(event, language, form):
    customer = CustomerFactory(
        first_name="Anna",
        last_name="Müller",
        salutation="ms",
        form_of_address=form,
        language=language,
    )
    order = OrderFactory(customer=customer, number="10234", total=Decimal("49.90"))
    OrderLineFactory(order=order, name="Äthiopien Sidamo, 500 g", line_number=1)
    moment = MOMENTS[TriggerEvent(event)]
    data = mail_data(
        customer=customer,
        sender=SENDER,
        order=order if moment.has_order else None,
        case={"reference": "VG-10234", "subject": "Paket nicht angekommen"},
        unsubscribe_url="https://crm.kaffee.example/u/abc",
    )
    mail = default_mails()[event][language]
    rendered = render_message(
        subject=mail["subject"], text=mail["text"], html=mail["html"], context=data.context
    )
    check = personal_check.check_mail(
        personal_check.RenderedMail(
            subject=rendered.subject,
            text=rendered.text,
            html=rendered.html,
            sender=SENDER.header,
            greeting=data.greeting,
            order_number=data.order_number,
            product_names=tuple(data.product_names),
        )
    )
    codes = [finding.code for finding in check.findings]
    if event in PART_OF_AN_ORDER:
        # A withdrawal, return or refund may cover part of the order: the mail names the
        # order, not its products (a warning, never blocking).
        codes = [code for code in codes if code != "missing_product_name"]
    assert check.blocking == ()
    assert codes == [], [str(finding) for finding in check.findings]
    assert rendered.text.startswith(data.greeting.line)
    assert "Lena Vogel" in rendered.text.splitlines()[-8:] or "Lena Vogel" in rendered.text
    assert "\n\n\n" not in rendered.text
    for word in MACHINE_WORDS:
        assert word not in rendered.text.lower()
    # Sie or Du, as the customer is addressed (German only).
    if language == "de":
        words = rendered.text.replace(",", " ").replace(".", " ").split()
        if form == "informal":
            assert "Sie" not in words[2:] and "Ihre" not in words
        else:
            assert "du" not in words and "dein" not in words and "deine" not in words
    if moment.has_order:
        assert "10234" in rendered.subject + rendered.text


@pytest.mark.django_db
def test_seeding_adds_the_triggers_switched_off_and_keeps_edits():
    assert Trigger.objects.filter(key__startswith="default:").count() == len(TriggerEvent)
    assert not Trigger.objects.filter(is_active=True).exists()
    shipped = Trigger.objects.get(key="default:order_shipped")
    shipped.name = "Mein Versandmail"
    shipped.save()
    assert seed_default_drehbuch() == 0
    shipped.refresh_from_db()
    assert shipped.name == "Mein Versandmail"
    Trigger.objects.filter(key="default:birthday").delete()
    assert seed_default_drehbuch() == 1


@pytest.mark.django_db
def test_marketing_mails_carry_a_visible_unsubscribe_link():
    customer = CustomerFactory(first_name="Kim", last_name="Meier", language="de")
    order = OrderFactory(customer=customer)
    for event in ("feedback_request", "cross_sell", "birthday"):
        for language in ("de", "en"):
            mail = default_mails()[event][language]
            data = mail_data(
                customer=customer, sender=SENDER, order=order, unsubscribe_url="https://u.example/x"
            )
            rendered = render_message(
                subject=mail["subject"], text=mail["text"], html=mail["html"], context=data.context
            )
            assert "https://u.example/x" in rendered.text
            assert 'href="https://u.example/x"' in rendered.html
