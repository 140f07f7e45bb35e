"""Duplicate suggestions: same phone and name, same address and name; dismissable."""

from __future__ import annotations

import pytest

from stammkunde.customers.duplicates import (
    dismiss_duplicates,
    duplicate_groups,
    duplicates_of,
    postal_key,
    street_key,
)
from stammkunde.customers.models import Address, DismissedDuplicate, DuplicateReason
from stammkunde.customers.services.profile import create_customer

pytestmark = pytest.mark.django_db


def _customer(email, first="Jürgen", last="Müller", phone="", street="", postal_code=""):
    customer = create_customer(by=None, email=email, first_name=first, last_name=last, phone=phone)
    if street:
        Address.objects.create(
            customer=customer, kind="billing", street=street, postal_code=postal_code
        )
    return customer


def test_same_phone_in_another_notation_and_name_are_suggested():
    first = _customer("j1@example.de", phone="0171 2345678")
    second = _customer("j2@example.de", first="JÜRGEN", last="Muller", phone="+49 171 2345678")
    _customer("j3@example.de", first="Jürgen", last="Meier", phone="0171 2345678")
    _customer("j4@example.de", phone="0171 9999999")

    groups = duplicate_groups(reason=DuplicateReason.PHONE_AND_NAME)

    assert groups == [type(groups[0])(DuplicateReason.PHONE_AND_NAME, (first.pk, second.pk))]


def test_same_address_in_another_spelling_and_name_are_suggested():
    first = _customer("a1@example.de", street="Hauptstraße 5", postal_code="80331")
    second = _customer("a2@example.de", street="Hauptstr. 5", postal_code="80 331")
    _customer("a3@example.de", street="Hauptstraße 7", postal_code="80331")
    _customer("a4@example.de", first="Anna", street="Hauptstraße 5", postal_code="80331")

    groups = duplicate_groups(reason=DuplicateReason.ADDRESS_AND_NAME)

    assert [(g.reason, g.customer_ids) for g in groups] == [
        (DuplicateReason.ADDRESS_AND_NAME, (first.pk, second.pk))
    ]


def test_street_and_postal_keys_fold_common_spellings():
    assert street_key("Haupt-Straße 5") == street_key("hauptstr.5") == "hauptstr5"
    assert postal_key(" 80 331") == "80331"


def test_python_and_sql_street_folding_agree():
    # The 360 notice folds in Python, the list in SQL: both must find the same pair.
    first = _customer("s1@example.de", street="Lindenstrasse 12 a", postal_code="10115")
    second = _customer("s2@example.de", street="Linden-Str. 12a", postal_code="10115")
    assert [c.customer for c in duplicates_of(first)] == [second]
    assert duplicate_groups(reason=DuplicateReason.ADDRESS_AND_NAME)[0].customer_ids == (
        first.pk,
        second.pk,
    )


def test_three_customers_with_one_phone_form_one_group():
    ids = [_customer(f"t{n}@example.de", phone="030 1234567").pk for n in range(3)]
    assert duplicate_groups()[0].customer_ids == tuple(ids)


def test_a_dismissed_pair_is_no_longer_suggested(team_lead):
    first = _customer("d1@example.de", phone="0171 2345678")
    second = _customer("d2@example.de", phone="0171 2345678")
    assert duplicates_of(first)[0].customer == second

    assert dismiss_duplicates([second.pk, first.pk], by=team_lead) == 1
    assert dismiss_duplicates([first.pk, second.pk], by=team_lead) == 0

    assert duplicate_groups() == []
    assert duplicates_of(first) == []
    assert duplicates_of(second) == []
    row = DismissedDuplicate.objects.get()
    assert (row.first_id, row.second_id, row.dismissed_by) == (first.pk, second.pk, team_lead)


def test_a_group_stays_while_one_pair_is_open(team_lead):
    a, b, c = (_customer(f"g{n}@example.de", phone="0171 2345678") for n in range(3))
    dismiss_duplicates([a.pk, b.pk], by=team_lead)
    assert duplicate_groups()[0].customer_ids == (a.pk, b.pk, c.pk)
    assert [x.customer for x in duplicates_of(a)] == [c]


def test_notice_names_both_reasons():
    first = _customer("n1@example.de", phone="0171 2345678", street="Am Markt 1", postal_code="1")
    second = _customer("n2@example.de", phone="0171/2345678", street="Am Markt 1", postal_code="1")
    [candidate] = duplicates_of(first)
    assert candidate.customer == second
    assert set(candidate.reasons) == {
        DuplicateReason.PHONE_AND_NAME,
        DuplicateReason.ADDRESS_AND_NAME,
    }


def test_customers_without_a_name_are_not_grouped_by_phone():
    _customer("x1@example.de", first="", last="", phone="0171 2345678")
    _customer("x2@example.de", first="", last="", phone="0171 2345678")
    assert duplicate_groups() == []


def test_merged_customers_are_not_suggested(team_lead):
    from stammkunde.customers.merging import merge_customers

    first = _customer("m1@example.de", phone="0171 2345678")
    second = _customer("m2@example.de", phone="0171 2345678")
    merge_customers(first, second, by=team_lead)
    assert duplicate_groups() == []
    assert duplicates_of(first) == []


def test_paging_through_groups():
    for n in range(5):
        _customer(f"p{n}a@example.de", last=f"Name{n}", phone=f"0171 100{n}")
        _customer(f"p{n}b@example.de", last=f"Name{n}", phone=f"0171 100{n}")
    page_one = duplicate_groups(reason=DuplicateReason.PHONE_AND_NAME, limit=3)
    page_two = duplicate_groups(reason=DuplicateReason.PHONE_AND_NAME, limit=3, offset=3)
    assert len(page_one) == 3
    assert len(page_two) == 2
    seen = [pk for group in page_one + page_two for pk in group.customer_ids]
    assert len(set(seen)) == 10


def test_notice_finds_the_same_phone_among_more_namesakes_than_are_read(monkeypatch):
    from stammkunde.customers import duplicates

    monkeypatch.setattr(duplicates, "NAME_CANDIDATES", 2)
    customer = _customer("j1@example.de", phone="0171 2345678")
    for number in range(3):
        _customer(f"n{number}@example.de", phone=f"0171 99999{number}")
    same = _customer("j2@example.de", phone="+49 171 2345678")

    found = duplicates_of(customer)

    assert [(c.customer.pk, c.reasons) for c in found] == [
        (same.pk, (DuplicateReason.PHONE_AND_NAME,))
    ]


def test_notice_names_the_phone_and_the_address_from_one_lookup_of_namesakes():
    customer = _customer(
        "j1@example.de", phone="0171 2345678", street="Hauptstr. 5", postal_code="80331"
    )
    by_phone = _customer("j2@example.de", phone="0171 2345678")
    by_address = _customer("j3@example.de", street="Hauptstraße 5", postal_code="80331")
    _customer("j4@example.de", last="Meier", phone="0171 2345678")

    found = {c.customer.pk: c.reasons for c in duplicates_of(customer)}

    assert found == {
        by_phone.pk: (DuplicateReason.PHONE_AND_NAME,),
        by_address.pk: (DuplicateReason.ADDRESS_AND_NAME,),
    }
