"""The desk's policy and knowledge pages, and the public help page, through the test client."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from stammkunde.audit.models import AuditEntry
from stammkunde.service.models import (
    GoodwillGrant,
    GoodwillLimit,
    GoodwillStatus,
    KnowledgeArticle,
    KnowledgeCategory,
    Macro,
    WebFormSubmission,
)
from stammkunde.service.services.standards import publish_standard
from tests.factories import CustomerFactory, OrderFactory

pytestmark = pytest.mark.django_db

STAFF_PAGES = [
    "ui:goodwill-list",
    "ui:standards",
    "ui:macro-list",
    "ui:article-list",
    "ui:crisis-plan-list",
    "ui:incident-list",
    "ui:refund-clock-list",
]
LEAD_PAGES = [
    "ui:goodwill-report",
    "ui:desk-policies",
    "ui:macro-new",
    "ui:article-new",
    "ui:help-settings",
]


@pytest.mark.parametrize("name", STAFF_PAGES + LEAD_PAGES)
def test_team_lead_opens_every_desk_page(client, team_lead, name):
    client.force_login(team_lead)
    assert client.get(reverse(name)).status_code == 200


@pytest.mark.parametrize("name", LEAD_PAGES)
def test_agent_may_not_open_lead_pages(client, agent, name):
    client.force_login(agent)
    assert client.get(reverse(name)).status_code == 403


@pytest.mark.parametrize("name", STAFF_PAGES)
def test_marketing_sees_no_desk_pages(client, marketer, name):
    client.force_login(marketer)
    assert client.get(reverse(name)).status_code == 403


def test_agent_grants_and_lead_approves_through_the_pages(client, agent, team_lead):
    GoodwillLimit.objects.create(role="Service agent", maximum=Decimal("20"))
    customer = CustomerFactory()
    client.force_login(agent)
    url = reverse("ui:goodwill-new", args=[customer.pk])
    response = client.post(url, {"kind": "voucher", "amount": "10,00", "reason": "Verspätung"})
    assert response.status_code == 302
    response = client.post(url, {"kind": "voucher", "amount": "-5", "reason": "x"})
    assert response.status_code == 422
    assert "negative" in response.content.decode() or "zero" in response.content.decode()
    client.post(url, {"kind": "gift", "amount": "80", "reason": "Zweiter Schaden"})
    waiting = GoodwillGrant.objects.get(status=GoodwillStatus.PENDING)
    page = client.get(reverse("ui:goodwill-list")).content.decode()
    assert "Waiting for approval" in page
    assert client.post(reverse("ui:goodwill-decide", args=[waiting.pk]), {}).status_code == 403
    client.force_login(team_lead)
    page = client.get(reverse("ui:goodwill-list")).content.decode()
    assert "Zweiter Schaden" in page
    assert AuditEntry.objects.filter(action="view", customers__customer_id=customer.pk).exists()
    client.post(
        reverse("ui:goodwill-decide", args=[waiting.pk]), {"decision": "approve", "reason": "ok"}
    )
    waiting.refresh_from_db()
    assert waiting.status == GoodwillStatus.GRANTED
    report = client.get(reverse("ui:goodwill-report")).content.decode()
    assert "anna" in report
    export = client.post(reverse("ui:voucher-export"))
    assert export["Content-Type"].startswith("text/csv")
    assert export.content.startswith("\ufeff".encode())


def test_macro_with_sandbox_escape_is_refused_on_save(client, team_lead):
    client.force_login(team_lead)
    response = client.post(
        reverse("ui:macro-new"),
        {"name": "Böse", "language": "de", "body": "{{ ''.__class__.__mro__ }}", "is_active": "on"},
    )
    assert response.status_code == 422
    assert not Macro.objects.filter(crisis_plan__isnull=True).exists()


def test_standards_page_shows_lead_who_has_not_confirmed(client, agent, team_lead):
    publish_standard(title="Hausregeln", body="Wir antworten am selben Tag.", by=team_lead)
    client.force_login(agent)
    client.post(reverse("ui:standards"), {"confirm": "1"})
    client.force_login(team_lead)
    page = client.get(reverse("ui:standards")).content.decode()
    unconfirmed = page.split('id="unconfirmed"')[1].split("</ul>")[0]
    assert "Lena" in unconfirmed and "Anna" not in unconfirmed


def test_the_case_queue_reminds_an_agent_of_new_house_rules_until_confirmed(
    client, agent, team_lead
):
    """A new version waited on the standards page only: an agent who never opened it never
    learnt of it, and leads saw their names in the unconfirmed list for ever."""
    publish_standard(title="Hausregeln", body="Wir antworten am selben Tag.", by=team_lead)
    client.force_login(agent)
    queue = client.get(reverse("ui:case-queue")).content.decode()
    assert 'id="standard-to-confirm"' in queue and "version 1" in queue
    assert f'href="{reverse("ui:standards")}"' in queue.split('id="standard-to-confirm"')[1]
    client.post(reverse("ui:standards"), {"confirm": "1"})
    assert 'id="standard-to-confirm"' not in client.get(reverse("ui:case-queue")).content.decode()
    publish_standard(title="Hausregeln", body="Wir antworten binnen vier Stunden.", by=team_lead)
    assert "version 2" in client.get(reverse("ui:case-queue")).content.decode()


def test_incident_collects_orders_by_number(client, team_lead):
    OrderFactory(number="10234", customer=CustomerFactory())
    OrderFactory(number="10235", customer=CustomerFactory())
    client.force_login(team_lead)
    response = client.post(
        reverse("ui:incident-list"),
        {"title": "Charge 12 verspätet", "incident_type": "late_delivery", "description": ""},
    )
    detail = response["Location"]
    client.post(detail, {"add_orders": "1", "numbers": "10234, #10235\n99999"})
    page = client.get(detail).content.decode()
    assert "10234" in page and "10235" in page
    assert "99999" not in page.split("affected order")[1]


@pytest.fixture
def faq(db):
    category = KnowledgeCategory.objects.create(slug="versand", name_de="Versand", name_en="Ship")
    return KnowledgeArticle.objects.create(
        category=category,
        language="de",
        title="Wo ist mein Paket?",
        body="Den Link zur Sendungsverfolgung finden Sie in der Versandbestätigung.",
        keywords="Sendung Lieferung",
    )


def test_articles_are_suggested_in_the_customers_language_first(client, agent, faq):
    # A German customer's case was offered the English article first.
    KnowledgeArticle.objects.create(
        category=faq.category,
        language="en",
        title="Where is my parcel? Lieferung Sendung Paket",
        body="The tracking link is in the shipping confirmation. Sendung Lieferung.",
        keywords="Sendung Lieferung Paket",
    )
    client.force_login(agent)
    url = reverse("ui:article-suggest")
    german = client.get(url, {"text": "Sendung Lieferung Paket", "language": "de"})
    html = german.content.decode()
    assert html.index("Wo ist mein Paket?") < html.index("Where is my parcel?")
    assert '<span class="badge other-language">' in html
    english = client.get(url, {"text": "Sendung Lieferung Paket", "language": "en"})
    html = english.content.decode()
    assert html.index("Where is my parcel?") < html.index("Wo ist mein Paket?")


def test_the_case_page_asks_for_articles_in_the_customers_language(client, agent):
    from stammkunde.service.services.cases import open_case

    customer = CustomerFactory(language="en")
    case = open_case(
        customer=customer, case_type="question", channel="email", subject="Hi", body="Parcel?"
    )
    client.force_login(agent)
    page = client.get(reverse("ui:case-detail", args=[case.pk])).content.decode()
    assert reverse("ui:article-suggest") + "?language=en" in page
    assert 'class="card macros-panel" data-language="en"' in page


def test_public_help_page_needs_no_login_and_may_be_framed_by_the_shop(client, faq, settings):
    settings.HELP_PAGE_FRAME_ANCESTORS = ["https://shop.example"]
    response = client.get(reverse("help-center"), {"q": "Paket", "lang": "de"})
    assert response.status_code == 200
    assert "Wo ist mein Paket?" in response.content.decode()
    policy = response["Content-Security-Policy"]
    assert "frame-ancestors https://shop.example" in policy
    assert "script-src 'self'" in policy  # the rest of the site's policy stays
    assert "unsafe-inline" not in policy
    assert "X-Frame-Options" not in response
    staff = client.get(reverse("ui:login"))
    assert staff["X-Frame-Options"] == "DENY"
    client.get(reverse("help-article", args=[faq.pk]))
    faq.refresh_from_db()
    assert faq.view_count == 1


def test_the_case_forms_topic_reads_as_the_customers_concern_in_german(client, faq):
    # It shared the webhook inbox's "Topic", an event type there: "Ereignistyp".
    page = client.get(reverse("help-center"), {"lang": "de"}).content.decode()
    assert "Ihr Anliegen" in page
    assert "Ereignistyp" not in page


def test_the_help_page_speaks_the_language_the_visitor_chose(client, faq):
    # ?lang= chose the articles only: a German browser asking for English got German labels.
    page = client.get(
        reverse("help-center"), {"lang": "en"}, HTTP_ACCEPT_LANGUAGE="de-DE,de"
    ).content.decode()
    assert "Write to us" in page and "Schreiben Sie uns" not in page
    page = client.get(
        reverse("help-center"), {"lang": "de"}, HTTP_ACCEPT_LANGUAGE="en-GB,en"
    ).content.decode()
    assert "Schreiben Sie uns" in page and "Write to us" not in page
    refused = client.post(
        reverse("help-contact") + "?lang=de",
        {"email": "kein-at", "message": "Hallo"},
        HTTP_ACCEPT_LANGUAGE="en",
    ).content.decode()
    assert "Ihre E-Mail-Adresse" in refused and "Your e-mail" not in refused


def test_case_form_stores_then_throttles_a_flood(client, db):
    data = {"email": "bot@example.de", "message": "Hallo", "name": "B"}
    statuses = [client.post(reverse("help-contact"), data).status_code for _ in range(6)]
    assert statuses == [200, 200, 200, 429, 429, 429]
    assert WebFormSubmission.objects.count() == 3
    response = client.post(reverse("help-contact"), data)
    assert int(response["Retry-After"]) > 0


def test_the_help_page_sets_no_cookie_and_its_form_needs_none(db):
    """Embedded in the shop's iframe, the page gets no cookie of ours back (third-party
    context): the form must not depend on one, and the shop's visitors get none from us."""
    client = Client(enforce_csrf_checks=True)
    page = client.get(reverse("help-center"), {"lang": "de"})
    assert page.cookies == {}
    response = client.post(
        reverse("help-contact") + "?lang=de",
        {"email": "erika@example.de", "message": "Paket nicht angekommen"},
    )
    assert response.status_code == 200
    assert WebFormSubmission.objects.count() == 1


def test_case_form_honeypot_and_bad_input(client, db):
    response = client.post(
        reverse("help-contact"),
        {"email": "a@example.de", "message": "x", "website": "http://spam.example"},
    )
    assert response.status_code == 200
    assert not WebFormSubmission.objects.exists()
    assert client.post(reverse("help-contact"), {"email": "nope", "message": ""}).status_code == 422


def test_refund_page_shows_an_overdue_refund(client, agent):
    from datetime import timedelta

    from django.utils import timezone

    from stammkunde.service.services.refunds import check_refund_clocks
    from stammkunde.shop.models import ReturnReason
    from stammkunde.shop.services import mark_return_received, record_return
    from tests.factories import OrderLineFactory

    order = OrderFactory(number="20777", customer=CustomerFactory())
    line = OrderLineFactory(order=order, quantity=1)
    received = timezone.now() - timedelta(days=6)
    item = record_return(order, reason=ReturnReason.OTHER, announced_at=received, lines=[(line, 1)])
    mark_return_received(item, received_at=received)
    check_refund_clocks()
    client.force_login(agent)
    page = client.get(reverse("ui:refund-clock-list")).content.decode()
    row = page.split("20777")[1].split("</tr>")[0]
    assert "Overdue" in row


def test_team_lead_adds_a_category_then_an_article(client, team_lead, agent):
    client.force_login(agent)
    assert client.post(reverse("ui:article-list"), {"slug": "x"}).status_code == 403
    client.force_login(team_lead)
    response = client.post(
        reverse("ui:article-list"),
        {"slug": "zahlung", "name_de": "Zahlung", "name_en": "Payment", "position": "4"},
    )
    assert response.status_code == 302
    category = KnowledgeCategory.objects.get(slug="zahlung")
    response = client.post(
        reverse("ui:article-new"),
        {
            "category": category.pk,
            "language": "de",
            "title": "Kann ich per Rechnung zahlen?",
            "body": "Ja, ab der zweiten Bestellung.",
            "is_public": "on",
        },
    )
    assert response.status_code == 302
    assert KnowledgeArticle.objects.get(category=category).is_public is True


def test_a_partial_refund_granted_on_the_page_refunds_the_order(client, agent):
    from stammkunde.shop.models import Order, Refund

    GoodwillLimit.objects.create(role="Service agent", maximum=Decimal("20"))
    customer = CustomerFactory()
    order = OrderFactory(customer=customer, total=Decimal("60.00"))
    client.force_login(agent)
    response = client.post(
        reverse("ui:goodwill-new", args=[customer.pk]),
        {"kind": "refund", "amount": "12,50", "reason": "Delle im Karton", "order": order.pk},
    )
    assert response.status_code == 302
    refund = Refund.objects.get(order=order)
    assert refund.amount == Decimal("12.50")
    assert Order.objects.get(pk=order.pk).refunded_total == Decimal("12.50")


def test_case_page_says_the_shop_had_already_refunded_the_goodwill(client, agent):
    from datetime import datetime, timedelta

    from django.utils import timezone

    from stammkunde.service.services.cases import open_case
    from stammkunde.shop.models import Order
    from stammkunde.shop.services.refunds import record_refund

    GoodwillLimit.objects.create(role="Service agent", maximum=Decimal("20"))
    customer = CustomerFactory()
    order = OrderFactory(customer=customer, total=Decimal("60.00"))
    case = open_case(
        customer=customer,
        case_type="damaged_goods",
        channel="email",
        subject="Delle",
        body="Der Karton hat eine Delle.",
        orders=[order],
    )
    refunded_at = timezone.localtime(timezone.now() - timedelta(days=2))
    record_refund(order, amount=Decimal("12.50"), refunded_at=refunded_at, external_id="re_1")
    client.force_login(agent)
    response = client.post(
        reverse("ui:goodwill-new", args=[customer.pk]) + f"?case={case.pk}",
        {"kind": "refund", "amount": "12,50", "reason": "Delle im Karton", "order": order.pk},
        follow=True,
    )
    assert Order.objects.get(pk=order.pk).refunded_total == Decimal("12.50")
    page = response.content.decode()
    shown = datetime.strftime(refunded_at, "%d/%m/%Y")
    assert f"The shop had already refunded this amount on {shown}" in page
    assert f"Already refunded in the shop on {shown}" in page


def test_goodwill_from_a_case_preselects_the_cases_order(client, agent):
    # Without it a partial refund from the case page failed with "needs the order it refunds".
    from stammkunde.service.services.cases import open_case

    customer = CustomerFactory()
    OrderFactory(customer=customer, number="5001")
    order = OrderFactory(customer=customer, number="5000")
    OrderFactory(customer=customer, number="5002")
    case = open_case(
        customer=customer,
        case_type="delivery_problem",
        channel="email",
        subject="Paket fehlt",
        body="Bestellung 5000 ist nicht da.",
        orders=[order],
    )
    client.force_login(agent)
    url = reverse("ui:goodwill-new", args=[customer.pk])
    page = client.get(f"{url}?case={case.pk}").content.decode()
    assert f'<option value="{order.pk}" selected>5000</option>' in page
    page = client.get(url).content.decode()
    assert " selected>500" not in page


def test_above_the_limit_the_agent_reads_the_limit_as_money_in_german(client, agent):
    # The message said "Über Ihrem Limit von 20.00 EUR" to a German agent.
    from django.conf import settings

    GoodwillLimit.objects.create(role="Service agent", maximum=Decimal("20"))
    customer = CustomerFactory()
    client.force_login(agent)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "de"
    url = reverse("ui:goodwill-new", args=[customer.pk])
    response = client.post(
        url, {"kind": "gift", "amount": "80", "reason": "Zweiter Schaden"}, follow=True
    )
    assert "Über Ihrem Limit von 20,00\u00a0€: Der Antrag wartet" in response.content.decode()


def test_the_goodwill_form_tells_the_agent_their_limit_in_german(client, agent):
    # The form said "within your limit" without saying what the limit is.
    from django.conf import settings

    from stammkunde.service.services.cases import open_case

    GoodwillLimit.objects.create(role="Service agent", maximum=Decimal("20"))
    GoodwillLimit.objects.create(
        role="Service agent", case_type="delivery_problem", maximum=Decimal("15")
    )
    customer = CustomerFactory()
    case = open_case(
        customer=customer, case_type="delivery_problem", channel="email", subject="Paket", body="?"
    )
    client.force_login(agent)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "de"
    url = reverse("ui:goodwill-new", args=[customer.pk])
    in_case = client.get(f"{url}?case={case.pk}").content.decode()
    assert "Ihr Limit bei einem Vorgang der Art „Lieferproblem“: 15,00\u00a0€." in in_case
    assert "darüber wartet der Antrag auf die Freigabe einer Teamleitung" in in_case
    alone = client.get(url).content.decode()
    assert "Ihr Limit: 20,00\u00a0€." in alone
    assert "Bei einem Vorgang der Art „Lieferproblem“: 15,00\u00a0€." in alone


def test_the_english_help_page_gives_the_phone_hours_in_english(client, team_lead):
    """The hours are words: the English page showed 'Mo bis Fr 9 bis 17 Uhr'."""
    client.force_login(team_lead)
    response = client.post(
        reverse("ui:help-settings"),
        {
            "phone": "+49 761 123456",
            "phone_hours": "Mo bis Fr 9 bis 17 Uhr",
            "phone_hours_en": "Mon to Fri 9 am to 5 pm",
            "email": "service@kaffee.example",
            "postal_address": "Kaffeerösterei Süd GmbH",
        },
    )
    assert response.status_code == 302
    client.logout()
    english = client.get(reverse("help-center"), {"lang": "en"}).content.decode()
    assert "(Mon to Fri 9 am to 5 pm)" in english and "Uhr" not in english
    german = client.get(reverse("help-center"), {"lang": "de"}).content.decode()
    assert "(Mo bis Fr 9 bis 17 Uhr)" in german and "9 am" not in german


def test_without_english_hours_the_english_page_keeps_the_german_ones(client, team_lead):
    from stammkunde.service.services.macros import save_help_settings

    save_help_settings(by=team_lead, phone="+49 761 123456", phone_hours="Mo bis Fr 9-17 Uhr")
    english = client.get(reverse("help-center"), {"lang": "en"}).content.decode()
    assert "(Mo bis Fr 9-17 Uhr)" in english
