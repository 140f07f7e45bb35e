"""Importing customers from CSV: profile fields, tags, address, consent, duplicates."""

from __future__ import annotations

import csv
from datetime import date

import pytest

from stammkunde.connectors.csv_import.services import import_file
from stammkunde.customers.models import (
    ConsentEvent,
    Customer,
    FormOfAddress,
    Salutation,
)
from stammkunde.shop.models import ShopAccount
from stammkunde.timeline.models import Activity, ActivityKind

pytestmark = pytest.mark.django_db

HEADER = (
    "email;customer_id;first_name;last_name;salutation;form_of_address;birthday;"
    "street;postal_code;city;country;tags;newsletter"
)


def test_sample_file_imports_without_rejections(shop, tmp_path):
    from pathlib import Path

    import stammkunde.connectors

    sample = Path(stammkunde.connectors.__file__).parent / "samples" / "customers.csv"
    summary = import_file("customers", sample, shop=shop, errors_path=tmp_path / "e.csv")

    assert (summary.rows, summary.rejected, summary.customers_created) == (4, 0, 4)
    anna = Customer.objects.get(email="anna.schmidt@example.de")
    assert (anna.salutation, anna.title, anna.birthday) == (
        Salutation.MS,
        "Dr.",
        date(1985, 12, 24),
    )
    assert sorted(anna.tags.values_list("name", flat=True)) == ["Espresso", "Stammkunde"]
    assert anna.addresses.get().city == "München"


def test_profile_fields_are_mapped_from_german_words(write_csv, run_import, shop):
    path = write_csv(
        f"{HEADER}\nJo@Example.de;K7;Jo;Berg;divers;Du;24.12.1990;Weg 1;12345;Ulm;de;VIP|B2B;ja\n"
    )
    run_import("customers", path)

    jo = Customer.objects.get()
    assert jo.email == "jo@example.de"
    assert (jo.salutation, jo.form_of_address) == (Salutation.MX, FormOfAddress.INFORMAL)
    assert jo.birthday == date(1990, 12, 24)
    assert ShopAccount.objects.get(shop=shop, external_id="K7").customer == jo
    assert jo.addresses.get().country == "DE"
    event = ConsentEvent.objects.get()
    assert (event.granted, event.source) == (True, "import")
    assert Activity.objects.filter(customer=jo, kind=ActivityKind.CUSTOMER_CREATED).count() == 1


def test_a_second_row_with_the_same_email_in_other_case_updates_the_customer(write_csv, run_import):
    path = write_csv(
        f"{HEADER}\nmia@example.de;;Mia;;;;;;;;;;\nMIA@Example.DE;;;Meier;;;;;;;;;nein\n"
    )
    summary = run_import("customers", path)

    mia = Customer.objects.get()
    assert (mia.first_name, mia.last_name) == ("Mia", "Meier")
    assert (summary.customers_created, summary.customers_updated) == (1, 1)
    assert ConsentEvent.objects.count() == 0


def test_importing_customers_twice_changes_nothing(write_csv, run_import):
    path = write_csv(
        f"{HEADER}\nlea@example.de;K1;Lea;Roth;Frau;Sie;;Gasse 2;1010;Wien;AT;VIP;ja\n"
    )
    run_import("customers", path)
    before = (Customer.objects.count(), ConsentEvent.objects.count(), Activity.objects.count())

    summary = run_import("customers", path)

    after = (Customer.objects.count(), ConsentEvent.objects.count(), Activity.objects.count())
    assert after == before
    assert (summary.customers_created, summary.customers_updated) == (0, 0)


def test_withdrawing_newsletter_consent_appends_to_the_ledger(write_csv, run_import):
    run_import("customers", write_csv(f"{HEADER}\nom@example.de;;;;;;;;;;;;ja\n"))
    run_import("customers", write_csv(f"{HEADER}\nom@example.de;;;;;;;;;;;;nein\n"))

    assert list(ConsentEvent.objects.order_by("id").values_list("granted", flat=True)) == [
        True,
        False,
    ]


def test_bad_customer_rows_are_reported_and_good_ones_kept(write_csv, run_import, tmp_path):
    path = write_csv(
        f"""{HEADER}
kaputt;;;;;;;;;;;;
;;Ohne;Kennung;;;;;;;;;
a@example.de;;;;Graf;;;;;;;;
b@example.de;;;;;;31.02.1990;;;;;;
c@example.de;;;;;;01.01.2999;;;;;;
d@example.de;;;;;;;;;;Deutschland;;
e@example.de;;;;;;;;;;;;vielleicht
ok@example.de;;Ok;;;;;;;;;;
"""
    )
    summary = run_import("customers", path)

    assert (summary.accepted, summary.rejected) == (1, 7)
    assert list(Customer.objects.values_list("email", flat=True)) == ["ok@example.de"]
    with (tmp_path / "errors.csv").open(encoding="utf-8") as handle:
        columns = [(row["line"], row["column"]) for row in csv.DictReader(handle)]
    assert columns == [
        ("2", "email"),
        ("3", "email"),
        ("4", "salutation"),
        ("5", "birthday"),
        ("6", "birthday"),
        ("7", "country"),
        ("8", "newsletter"),
    ]


def test_an_email_of_another_customer_is_not_taken_over_by_an_id(write_csv, run_import):
    run_import("customers", write_csv(f"{HEADER}\nx@example.de;K1;;;;;;;;;;;\n"))
    run_import("customers", write_csv(f"{HEADER}\ny@example.de;K2;;;;;;;;;;;\n"))

    summary = run_import("customers", write_csv(f"{HEADER}\nx@example.de;K2;;;;;;;;;;;\n"))

    assert summary.rejected == 1
    assert "belongs to another customer" in summary.rejections[0].reason
    assert Customer.objects.count() == 2
