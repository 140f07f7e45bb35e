"""Staff mail is written in each staff member's own language (their setting), else in the
installation's: words, dates and times as the reader's language writes them."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail

from stammkunde.logins.services import set_staff_language
from stammkunde.messaging.services.sending import drain
from stammkunde.service.models import TeamMember
from stammkunde.service.services import cases as services
from stammkunde.service.services.monitoring import check_response_times

pytestmark = pytest.mark.django_db

LOCMEM = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def german_installation(settings):
    settings.LANGUAGE_CODE = "de"
    settings.TIME_ZONE = "Europe/Berlin"


def _delivered() -> dict[str, tuple[str, str]]:
    mail.outbox = []
    drain(backend=LOCMEM)
    return {message.to[0]: (message.subject, message.body) for message in mail.outbox}


def test_each_person_gets_the_breach_mail_in_their_language(
    german_installation, staffed, customer, agent, lena
):
    team = staffed["beschwerdestelle"]
    team.first_response_minutes = 120
    team.save()
    TeamMember.objects.create(team=team, user=lena, is_lead=True)
    for person, address in ((agent, "anna@shop.example"), (lena, "lena@shop.example")):
        person.email = address
        person.save(update_fields=["email"])
    # Anna reads English; Lena chose nothing: the installation's German.
    set_staff_language(agent, "en", by=agent)
    case = services.open_case(
        customer=customer, case_type="question", channel="email", subject="Frage", body="Hallo"
    )
    services.assign(case, agent, by=None)
    case.refresh_from_db()
    due = case.first_response_due_at.astimezone(ZoneInfo("Europe/Berlin"))

    check_response_times(case.opened_at + timedelta(minutes=121))
    delivered = _delivered()
    subject, text = delivered["anna@shop.example"]
    assert subject.startswith(f"Deadline missed: {case.reference}")
    assert f"The response-time standard of case {case.reference} was missed" in text
    assert f"(due {due:%d/%m/%Y}" in text
    assert "Open the case:" in text
    subject, text = delivered["lena@shop.example"]
    assert subject.startswith(f"Frist verpasst: {case.reference}")
    assert f"{due:%d.%m.%Y %H:%M}" in text
    assert "Zum Vorgang:" in text
    assert "Deadline" not in subject + text


def test_a_german_reader_in_an_english_installation_gets_german(settings, staffed, customer, agent):
    settings.LANGUAGE_CODE = "en"
    team = staffed["beschwerdestelle"]
    team.first_response_minutes = 120
    team.warn_before_minutes = 60
    team.save()
    agent.email = "anna@shop.example"
    agent.save(update_fields=["email"])
    set_staff_language(agent, "de", by=agent)
    case = services.open_case(
        customer=customer, case_type="question", channel="email", subject="Frage", body="Hallo"
    )
    services.assign(case, agent, by=None)
    case.refresh_from_db()

    check_response_times(case.opened_at + timedelta(minutes=90))
    subject, text = _delivered()["anna@shop.example"]
    assert subject.startswith(f"Frist läuft bald ab: {case.reference}")
    assert "Zum Vorgang:" in text
    # Back to the installation's language: the next alert is English.
    set_staff_language(agent, "", by=agent)
    check_response_times(case.opened_at + timedelta(minutes=121))
    subject, _text = _delivered()["anna@shop.example"]
    assert subject.startswith(f"Deadline missed: {case.reference}")


def test_only_the_person_or_a_superuser_sets_the_language(agent, lena, django_user_model):
    with pytest.raises(PermissionError):
        set_staff_language(agent, "en", by=lena)
    with pytest.raises(ValueError):
        set_staff_language(agent, "fr", by=agent)
    root = django_user_model.objects.create_superuser("root", "root@shop.example", "x")
    assert set_staff_language(agent, "en", by=root).language == "en"


def test_each_lead_gets_the_approval_request_in_their_language(
    german_installation, anna, lena, limits
):
    from stammkunde.service.services.goodwill import request_goodwill
    from tests.factories import CustomerFactory, make_staff_user

    ludwig = make_staff_user("ludwig", role="Team lead")
    for person, address in (
        (anna, "anna@shop.example"),
        (lena, "lena@shop.example"),
        (ludwig, "ludwig@shop.example"),
    ):
        person.email = address
        person.save(update_fields=["email"])
    set_staff_language(lena, "en", by=lena)
    customer = CustomerFactory()

    request_goodwill(customer=customer, kind="voucher", amount="10", reason="Spät", by=anna)
    assert _delivered() == {}  # within the limit: nobody is asked

    request_goodwill(
        customer=customer, kind="voucher", amount="1234.5", reason="Zweiter Ausfall", by=anna
    )
    delivered = _delivered()
    assert sorted(delivered) == ["lena@shop.example", "ludwig@shop.example"]
    subject, text = delivered["lena@shop.example"]
    assert subject == "Goodwill waits for your decision: Voucher €1,234.50"
    assert "above their limit of €20.00" in text
    assert "Reason: Zweiter Ausfall" in text
    subject, text = delivered["ludwig@shop.example"]
    assert subject == "Kulanz wartet auf Ihre Entscheidung: Gutschein 1.234,50\xa0€"
    assert "über dem eigenen Limit von 20,00\xa0€" in text
    assert "Begründung: Zweiter Ausfall" in text


def test_a_lead_limited_to_another_shop_is_not_asked_about_its_customer(
    german_installation, anna, lena, limits
):
    from stammkunde.service.services.goodwill import request_goodwill
    from stammkunde.shop.models import Platform, Shop
    from stammkunde.shop.services import limit_staff_to_shops
    from tests.factories import CustomerFactory, OrderFactory, make_staff_user

    ludwig = make_staff_user("ludwig", role="Team lead")
    for person, address in (
        (anna, "anna@shop.example"),
        (lena, "lena@shop.example"),
        (ludwig, "ludwig@shop.example"),
    ):
        person.email = address
        person.save(update_fields=["email"])
    kaffee = Shop.objects.create(name="Kaffee", slug="kaffee-g", platform=Platform.CSV)
    tee = Shop.objects.create(name="Tee", slug="tee-g", platform=Platform.CSV)
    customer = CustomerFactory()
    OrderFactory(customer=customer, shop=kaffee)
    limit_staff_to_shops(ludwig, [tee.pk], by=None)

    request_goodwill(
        customer=customer, kind="voucher", amount="250", reason="Dritter Ausfall", by=anna
    )
    assert sorted(_delivered()) == ["lena@shop.example"]
