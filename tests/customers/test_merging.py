"""Merging two customers who are one person: every row moves, the old id still resolves."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from stammkunde.analytics.models import CustomerScore
from stammkunde.audit.models import AuditAction, AuditEntry
from stammkunde.customers.merging import MergeError, customer_relations, merge_customers
from stammkunde.customers.models import (
    Address,
    ConsentChannel,
    ConsentPurpose,
    ConsentSource,
    Customer,
    CustomerMerge,
    CustomerStatus,
    DismissedDuplicate,
    Tag,
)
from stammkunde.customers.queries import current_consents, find_by_email, resolve_merged
from stammkunde.customers.services.consent import record_consent
from stammkunde.customers.services.contacts import add_note
from stammkunde.customers.services.profile import create_customer
from stammkunde.shop.models import Order, ShopAccount
from stammkunde.timeline.models import Activity, ActivityKind
from tests.factories import OrderFactory, OrderLineFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def erika():
    """Erika ordered with an account in the coffee shop."""
    return create_customer(
        by=None, email="erika@example.de", first_name="Erika", last_name="Mustermann"
    )


@pytest.fixture
def erika_guest():
    """The same Erika, once as a guest with her work address and phone."""
    return create_customer(
        by=None,
        email="e.mustermann@firma.example",
        first_name="Erika",
        last_name="Mustermann",
        phone="0171 5550000",
        company="Firma GmbH",
    )


def test_merge_moves_orders_accounts_timeline_and_addresses(team_lead, shop, erika, erika_guest):
    own_order = OrderFactory(customer=erika, shop=shop)
    guest_orders = [OrderFactory(customer=erika_guest, shop=shop) for _ in range(2)]
    OrderLineFactory(order=guest_orders[0])
    ShopAccount.objects.create(shop=shop, external_id="guest-77", customer=erika_guest)
    add_note(erika_guest, by=team_lead, text="Bitte nur per E-Mail")
    Address.objects.create(customer=erika_guest, kind="shipping", street="Hauptstr. 1")
    notes_before = Activity.objects.filter(customer=erika_guest).count()

    survivor = merge_customers(erika, erika_guest, by=team_lead)

    assert survivor.pk == erika.pk
    assert set(Order.objects.filter(customer=erika).values_list("id", flat=True)) == {
        own_order.pk,
        *(order.pk for order in guest_orders),
    }
    assert ShopAccount.objects.get(external_id="guest-77").customer_id == erika.pk
    assert Address.objects.get(street="Hauptstr. 1").customer_id == erika.pk
    assert not Activity.objects.filter(customer=erika_guest).exists()
    # Her own creation entry + the guest's entries + one merge entry.
    assert Activity.objects.filter(customer=erika).count() == 1 + notes_before + 1
    assert not Order.objects.filter(customer=erika_guest).exists()


def test_merged_customer_is_marked_and_its_email_still_finds_the_survivor(
    team_lead, erika, erika_guest
):
    merge_customers(erika, erika_guest, by=team_lead)

    erika_guest.refresh_from_db()
    assert erika_guest.status == CustomerStatus.MERGED
    assert erika_guest.merged_into_id == erika.pk
    assert erika_guest.email is None
    assert find_by_email("  E.Mustermann@FIRMA.example ") == erika
    assert find_by_email("erika@example.de") == erika
    assert find_by_email("nobody@example.de") is None
    assert resolve_merged(erika_guest.pk) == erika.pk
    assert resolve_merged(erika.pk) == erika.pk
    # The freed address can be given to a new customer now without a clash.
    record = CustomerMerge.objects.get(merged_customer_id=erika_guest.pk)
    assert record.survivor_id == erika.pk
    assert record.merged_email == "e.mustermann@firma.example"
    assert record.merged_by == team_lead


def test_blank_profile_fields_are_filled_from_the_merged_customer(team_lead, erika, erika_guest):
    erika.company = ""
    erika.save()

    merge_customers(erika, erika_guest, by=team_lead)

    erika.refresh_from_db()
    assert erika.phone == "0171 5550000"
    assert erika.phone_key == "491715550000"
    assert erika.company == "Firma GmbH"
    assert erika.email == "erika@example.de"  # her own address is kept


def test_survivor_without_email_takes_the_merged_one(team_lead, erika):
    phone_only = create_customer(by=None, first_name="Erika", last_name="Mustermann")
    merge_customers(phone_only, erika, by=team_lead)
    phone_only.refresh_from_db()
    assert phone_only.email == "erika@example.de"
    assert find_by_email("erika@example.de") == phone_only


def test_consents_of_both_are_kept_and_the_newest_decision_wins(team_lead, erika, erika_guest):
    now = timezone.now()
    record_consent(
        erika,
        channel=ConsentChannel.EMAIL,
        purpose=ConsentPurpose.NEWSLETTER,
        granted=True,
        source=ConsentSource.SHOP,
        given_at=now - timedelta(days=10),
    )
    record_consent(
        erika_guest,
        channel=ConsentChannel.EMAIL,
        purpose=ConsentPurpose.NEWSLETTER,
        granted=False,
        source=ConsentSource.CUSTOMER,
        given_at=now - timedelta(days=2),
    )
    record_consent(
        erika_guest,
        channel=ConsentChannel.POST,
        purpose=ConsentPurpose.REACTIVATION,
        granted=True,
        source=ConsentSource.STAFF,
        given_at=now - timedelta(days=20),
    )

    merge_customers(erika, erika_guest, by=team_lead)

    assert erika.consent_events.count() == 3
    states = {(s.channel, s.purpose): s.granted for s in current_consents(erika.pk)}
    assert states == {("email", "newsletter"): False, ("post", "reactivation"): True}


def test_tags_are_united_without_duplicates(team_lead, erika, erika_guest):
    vip, wholesale, coffee = (Tag.objects.create(name=n) for n in ("VIP", "B2B", "Kaffee"))
    erika.tags.add(vip, coffee)
    erika_guest.tags.add(vip, wholesale)

    merge_customers(erika, erika_guest, by=team_lead)

    assert sorted(erika.tags.values_list("name", flat=True)) == ["B2B", "Kaffee", "VIP"]
    assert not erika_guest.tags.exists()


def test_one_to_one_rows_keep_the_survivors_own(team_lead, erika, erika_guest):
    now = timezone.now()
    CustomerScore.objects.create(customer=erika, scored_at=now, orders_count=4)
    CustomerScore.objects.create(customer=erika_guest, scored_at=now, orders_count=1)

    merge_customers(erika, erika_guest, by=team_lead)

    assert CustomerScore.objects.get(customer=erika).orders_count == 4
    assert not CustomerScore.objects.filter(customer_id=erika_guest.pk).exists()


def test_one_to_one_row_of_the_merged_customer_moves_when_the_survivor_has_none(
    team_lead, erika, erika_guest
):
    CustomerScore.objects.create(customer=erika_guest, scored_at=timezone.now(), orders_count=2)
    merge_customers(erika, erika_guest, by=team_lead)
    assert CustomerScore.objects.get(customer=erika).orders_count == 2


def test_merge_is_in_the_survivors_timeline_and_the_audit_log(team_lead, erika, erika_guest):
    merge_customers(erika, erika_guest, by=team_lead)

    entry = Activity.objects.get(customer=erika, kind=ActivityKind.CUSTOMER_MERGED)
    assert f"#{erika_guest.pk}" in entry.summary
    assert entry.actor == team_lead
    audited = AuditEntry.objects.filter(action=AuditAction.MERGE)
    assert set(audited.values_list("customer_id", flat=True)) == {erika.pk, erika_guest.pk}
    assert set(audited.values_list("actor", flat=True)) == {team_lead.pk}


def test_chained_merges_resolve_to_the_last_survivor(team_lead, erika, erika_guest):
    third = create_customer(by=None, email="erika.m@example.org", last_name="Mustermann")
    merge_customers(erika_guest, erika, by=team_lead)
    merge_customers(third, erika_guest, by=team_lead)

    assert resolve_merged(erika.pk) == third.pk
    assert find_by_email("erika@example.de") == third
    # The older merged customer now points straight at the newest survivor.
    assert Customer.objects.get(pk=erika.pk).merged_into_id == third.pk


def test_a_customer_cannot_be_merged_into_itself(team_lead, erika):
    with pytest.raises(MergeError):
        merge_customers(erika, erika, by=team_lead)


def test_an_already_merged_customer_cannot_be_merged_again(team_lead, erika, erika_guest):
    third = create_customer(by=None, email="third@example.de")
    merge_customers(erika, erika_guest, by=team_lead)
    erika_guest.refresh_from_db()
    with pytest.raises(MergeError, match="merged"):
        merge_customers(third, erika_guest, by=team_lead)
    assert CustomerMerge.objects.count() == 1


def test_failed_merge_changes_nothing(team_lead, erika, erika_guest):
    order = OrderFactory(customer=erika_guest)
    erika.status = CustomerStatus.ERASED
    erika.save()
    with pytest.raises(MergeError):
        merge_customers(erika, erika_guest, by=team_lead)
    order.refresh_from_db()
    assert order.customer_id == erika_guest.pk
    assert Customer.objects.get(pk=erika_guest.pk).status == CustomerStatus.ACTIVE


def test_dismissals_about_the_merged_customer_are_dropped(team_lead, erika, erika_guest):
    other = create_customer(by=None, email="other@example.de")
    first, second = sorted([erika_guest.pk, other.pk])
    DismissedDuplicate.objects.create(first_id=first, second_id=second)
    merge_customers(erika, erika_guest, by=team_lead)
    assert not DismissedDuplicate.objects.exists()


def test_every_relation_to_customers_is_found_including_other_apps():
    labels = {relation.label for relation in customer_relations()}
    expected = {
        "shop.order.customer",
        "shop.shopaccount.customer",
        "timeline.activity.customer",
        "customers.consentevent.customer",
        "customers.address.customer",
        "customers.customer_tags.customer",
        "analytics.customerscore.customer",
    }
    assert expected <= labels


def test_merge_by_an_integration_is_labelled_with_its_name(erika, erika_guest):
    merge_customers(erika, erika_guest, by="crm-sync")
    entry = Activity.objects.get(customer=erika, kind=ActivityKind.CUSTOMER_MERGED)
    assert entry.actor is None
    assert entry.actor_label == "crm-sync"
    assert AuditEntry.objects.filter(action="merge", actor_label="crm-sync").count() == 2
