import pytest

from stammkunde.audit.models import AuditEntry
from stammkunde.customers.models import Customer
from stammkunde.customers.services.contacts import add_note, log_call
from stammkunde.customers.services.errors import CustomerError
from stammkunde.customers.services.profile import create_customer, update_customer
from stammkunde.timeline.models import ActivityKind, Direction
from stammkunde.timeline.queries import timeline_for_customer


@pytest.mark.django_db
def test_email_is_unique_regardless_of_case(agent):
    create_customer(by=agent, email="Anna.Mueller@Example.de", first_name="Anna")
    with pytest.raises(CustomerError, match="already has the e-mail"):
        create_customer(by=agent, email="anna.mueller@EXAMPLE.DE", first_name="Anna")
    assert Customer.objects.get().email == "anna.mueller@example.de"


@pytest.mark.django_db
def test_invalid_email_is_refused_with_a_message(agent):
    with pytest.raises(CustomerError, match="not a valid e-mail"):
        create_customer(by=agent, email="anna at example")


@pytest.mark.django_db
def test_note_appears_in_timeline_with_author_and_is_audited(agent):
    customer = create_customer(by=agent, email="k@example.de", last_name="Keller")
    add_note(customer, by=agent, text="Wünscht Rückruf am Nachmittag.\nHat zweimal angerufen.")
    newest = timeline_for_customer(customer.pk, shop_ids=None).first()
    assert newest.kind == ActivityKind.NOTE
    assert newest.summary == "Wünscht Rückruf am Nachmittag."
    assert "zweimal" in newest.body
    assert newest.actor == agent
    assert AuditEntry.objects.filter(customer_id=customer.pk, actor=agent, detail="note").exists()


@pytest.mark.django_db
def test_empty_note_is_refused(agent):
    customer = create_customer(by=agent, email="k@example.de")
    with pytest.raises(CustomerError):
        add_note(customer, by=agent, text="   ")


@pytest.mark.django_db
def test_call_is_logged_with_direction_and_duration(agent):
    customer = create_customer(by=agent, email="k@example.de")
    call = log_call(
        customer,
        by=agent,
        direction=Direction.INBOUND,
        summary="Fragt nach Lieferzeit",
        duration_minutes=4,
    )
    assert call.duration_seconds == 240
    assert call.direction == Direction.INBOUND
    with pytest.raises(CustomerError):
        log_call(customer, by=agent, direction=Direction.INBOUND, summary="x", duration_minutes=-1)


@pytest.mark.django_db
def test_update_writes_only_changed_fields_and_names_them_in_the_audit(agent):
    customer = create_customer(
        by=agent, email="k@example.de", first_name="Karl", last_name="Keller"
    )
    update_customer(customer, by=agent, first_name="Karl", phone="0171 1234567")
    entry = AuditEntry.objects.filter(customer_id=customer.pk, action="change").get()
    assert entry.fields == ["phone"]
    customer.refresh_from_db()
    assert customer.phone_key == "491711234567"
