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
    with (tmp_path / "errors.csv").open(encoding="utf-8-sig") as handle:
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


def test_a_reimported_grant_does_not_override_the_customers_own_later_opt_out(
    write_csv, run_import
):
    from stammkunde.customers.models import ConsentChannel, ConsentPurpose, ConsentSource
    from stammkunde.customers.queries import current_consents
    from stammkunde.customers.services.consent import record_consent

    path = write_csv(f"{HEADER}\nina@example.de;K9;Ina;;;;;;;;;;ja\n", name="newsletter.csv")
    first = run_import("customers", path)
    ina = Customer.objects.get()
    opt_out = record_consent(
        ina,
        channel=ConsentChannel.EMAIL,
        purpose=ConsentPurpose.NEWSLETTER,
        granted=False,
        source=ConsentSource.CUSTOMER,
        source_detail="Unsubscribe link",
    )

    second = run_import("customers", path)
    third = run_import("customers", path)

    [state] = current_consents(ina.pk)
    assert (state.granted, state.source) == (False, "customer")
    ledger = ConsentEvent.objects.filter(customer=ina).order_by("id")
    assert [(e.granted, e.source) for e in ledger] == [(True, "import"), (False, "customer")]
    assert (first.consents_recorded, first.consents_held_back) == (1, 0)
    assert (second.consents_recorded, second.consents_held_back) == (0, 1)
    assert "1 grants not taken over" in second.text()
    # The timeline says what was held back and why, once per opt-out and file.
    [held] = Activity.objects.filter(customer=ina, kind=ActivityKind.CONSENT_NOT_TAKEN)
    assert "CSV import newsletter.csv" in held.summary
    assert held.params["opted_out_on"] == opt_out.given_at.date().isoformat()
    # Shown in the reader's date format (the tests read English).
    assert "opted out directly on " + opt_out.given_at.strftime("%d/%m/%Y") in held.summary
    assert held.subject_id == opt_out.pk
    assert third.consents_held_back == 1


def test_a_withdrawal_in_the_file_is_taken_over_after_a_direct_grant(write_csv, run_import):
    from stammkunde.customers.models import ConsentChannel, ConsentPurpose, ConsentSource
    from stammkunde.customers.queries import current_consents
    from stammkunde.customers.services.consent import record_consent

    run_import("customers", write_csv(f"{HEADER}\nole@example.de;;;;;;;;;;;;\n"))
    ole = Customer.objects.get()
    record_consent(
        ole,
        channel=ConsentChannel.EMAIL,
        purpose=ConsentPurpose.NEWSLETTER,
        granted=True,
        source=ConsentSource.CUSTOMER,
    )

    summary = run_import("customers", write_csv(f"{HEADER}\nole@example.de;;;;;;;;;;;;nein\n"))

    [state] = current_consents(ole.pk)
    assert (state.granted, state.source) == (False, "import")
    assert (summary.consents_recorded, summary.consents_held_back) == (1, 0)


def test_the_email_of_a_merged_away_customer_lands_on_the_survivor(
    write_csv, run_import, team_lead
):
    from stammkunde.customers.merging import merge_customers

    run_import("customers", write_csv(f"{HEADER}\nsurvivor@example.de;K1;Sara;;;;;;;;;;\n"))
    run_import("customers", write_csv(f"{HEADER}\nold@example.de;;Sara;Alt;;;;;;;;;\n"))
    survivor = Customer.objects.get(email="survivor@example.de")
    merged = Customer.objects.get(email="old@example.de")
    merge_customers(survivor, merged, by=team_lead)

    summary = run_import("customers", write_csv(f"{HEADER}\nold@example.de;;;Neu;;;;;;;;VIP;\n"))

    assert (summary.customers_created, summary.customers_updated) == (0, 1)
    assert Customer.objects.count() == 2
    survivor.refresh_from_db()
    assert survivor.last_name == "Neu"
    assert list(survivor.tags.values_list("name", flat=True)) == ["VIP"]


def test_a_shop_id_of_a_merged_away_customer_lands_on_the_survivor(
    write_csv, run_import, team_lead, shop
):
    from stammkunde.customers.services.profile import create_customer

    survivor = create_customer(by=None, email="keep@example.de")
    run_import("customers", write_csv(f"{HEADER}\ngone@example.de;K5;;;;;;;;;;;\n"))
    merged = Customer.objects.get(email="gone@example.de")
    # An old merge that moved neither the account nor the e-mail (a partial merge): the
    # account still points at the merged customer, which must be followed.
    Customer.objects.filter(pk=merged.pk).update(status="merged", merged_into=survivor)

    run_import("customers", write_csv(f"{HEADER}\n;K5;Kim;;;;;;;;;;\n"))

    survivor.refresh_from_db()
    assert survivor.first_name == "Kim"
    assert Customer.objects.get(pk=merged.pk).first_name == ""


def test_the_import_is_named_in_the_readers_language(write_csv, run_import):
    """A file imported while the installation spoke German reads "CSV import <file>" in the
    English UI and "CSV-Import <file>" in the German one: the source is stored as a token."""
    from django.utils import translation

    with translation.override("de"):
        run_import("customers", write_csv(f"{HEADER}\nkim@example.de;;Kim;Meier;;;;;;;;;\n"))
    [created] = Activity.objects.filter(kind=ActivityKind.CUSTOMER_CREATED)
    assert created.actor_label.startswith("csv_import:")
    file_name = created.actor_label.removeprefix("csv_import:")
    with translation.override("en"):
        assert created.actor_name == f"CSV import {file_name}"
    with translation.override("de"):
        assert created.actor_name == f"CSV-Import {file_name}"
