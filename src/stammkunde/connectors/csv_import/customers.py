"""Importing customers from CSV, one row at a time (customer files are small; orders are not).

A customer is found by the shop's customer number (ShopAccount) first, then by normalized
e-mail, so ``Anna@Example.de`` and ``anna@example.de`` in one file are one customer: the later
row updates the earlier. Empty cells never blank a value already stored.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from stammkunde.connectors.csv_import import parsing
from stammkunde.connectors.csv_import.mappings import Mapping
from stammkunde.connectors.csv_import.reading import CsvSource
from stammkunde.connectors.csv_import.report import ErrorFile, ImportSummary, Rejection
from stammkunde.core.keys import normalize_email
from stammkunde.customers.models import (
    Address,
    AddressKind,
    ConsentChannel,
    ConsentEvent,
    ConsentPurpose,
    ConsentSource,
    Customer,
    FormOfAddress,
    Salutation,
    Tag,
)
from stammkunde.customers.services import EDITABLE_FIELDS
from stammkunde.shop.models import Shop, ShopAccount
from stammkunde.timeline.models import Activity, ActivityKind
from stammkunde.timeline.services import record_activities_bulk

BATCH_SIZE = 500

SALUTATIONS = {
    "herr": Salutation.MR,
    "mr": Salutation.MR,
    "mr.": Salutation.MR,
    "frau": Salutation.MS,
    "ms": Salutation.MS,
    "mrs": Salutation.MS,
    "ms.": Salutation.MS,
    "divers": Salutation.MX,
    "mx": Salutation.MX,
}
FORMS_OF_ADDRESS = {
    "sie": FormOfAddress.FORMAL,
    "formal": FormOfAddress.FORMAL,
    "du": FormOfAddress.INFORMAL,
    "informal": FormOfAddress.INFORMAL,
}
# What a customers file may set: the fields staff may edit, except free-form preferences.
PROFILE_FIELDS = tuple(sorted(EDITABLE_FIELDS - {"preferences"}))
MAX_LENGTHS = {
    name: Customer._meta.get_field(name).max_length
    for name in ("first_name", "last_name", "title", "phone", "company")
}
ADDRESS_FIELDS = ("street", "postal_code", "city", "country")


class CustomerImporter:
    """Imports one customers file for one shop; call ``run`` once."""

    def __init__(
        self, *, shop: Shop, mapping: Mapping, errors: ErrorFile, now: datetime | None = None
    ) -> None:
        self.shop = shop
        self.mapping = mapping
        self.errors = errors
        self.now = now or timezone.now()
        self.column_names: dict[str, str] = {}
        self.summary = ImportSummary(kind="customers")
        self.source_label = ""

    def run(
        self, source: CsvSource, progress: Callable[[int], None] | None = None
    ) -> ImportSummary:
        """Import every row of ``source``; rejected rows go to the error file."""
        columns = self.mapping.resolve(source.header)
        # Rejections name the column as the file does, not as the mapping calls it.
        self.column_names = {name: source.header[index] for name, index in columns.items()}
        self.source_label = _("CSV import %(file)s") % {"file": source.path.name}
        width = len(source.header)
        batch: list[tuple[int, dict[str, str]]] = []
        for line, cells, problem in source.rows():
            self.summary.rows += 1
            if cells is None:
                self._reject(line, "", _("Malformed CSV row: %(error)s") % {"error": problem})
            elif len(cells) != width:
                self._reject(
                    line,
                    "",
                    _("The row has %(found)d fields, the header %(expected)d.")
                    % {"found": len(cells), "expected": width},
                )
            else:
                batch.append((line, {name: cells[i].strip() for name, i in columns.items()}))
            if len(batch) >= BATCH_SIZE:
                self._flush(batch)
                batch = []
                if progress:
                    progress(source.position)
        if batch:
            self._flush(batch)
        if progress:
            progress(source.position)
        return self.summary

    def _reject(self, line: int, column: str, reason: str) -> None:
        column = self.column_names.get(column, column)
        self.summary.reject(Rejection(line, column, reason), self.errors)

    @transaction.atomic
    def _flush(self, batch: list[tuple[int, dict[str, str]]]) -> None:
        activities: list[Activity] = []
        for line, cells in batch:
            try:
                values = self._parse(cells)
            except _RowError as error:
                self._reject(line, error.column, error.reason)
                continue
            try:
                # A savepoint per row: a row that fails in the database leaves nothing behind.
                with transaction.atomic():
                    activities.extend(self._save(values))
            except _RowError as error:
                self._reject(line, error.column, error.reason)
                continue
            except DatabaseError as error:
                self._reject(line, "", _("The database refused the row: %(e)s") % {"e": error})
                continue
            self.summary.accepted += 1
        record_activities_bulk(activities)

    def _parse(self, cells: dict[str, str]) -> dict[str, Any]:
        values: dict[str, Any] = {}
        email = normalize_email(cells.get("email"))
        if email:
            if not parsing.is_valid_email(email):
                raise _RowError(
                    "email", _("“%(value)s” is not a valid e-mail address.") % {"value": email}
                ) from None
            values["email"] = email
        values["customer_id"] = parsing.normalize_external_id(cells.get("customer_id", ""))[:100]
        if not email and not values["customer_id"]:
            raise _RowError("email", _("The row has neither an e-mail nor a customer id."))
        for name in ("first_name", "last_name", "title", "phone", "company", "vat_id"):
            if cells.get(name):
                values[name] = cells[name][: MAX_LENGTHS.get(name, 32)]
        choices = (("salutation", SALUTATIONS), ("form_of_address", FORMS_OF_ADDRESS))
        for name, choice in choices:
            if cells.get(name):
                if cells[name].lower() not in choice:
                    raise _RowError(
                        name,
                        _("Unknown value “%(value)s” (known: %(known)s).")
                        % {"value": cells[name], "known": ", ".join(choice)},
                    )
                values[name] = choice[cells[name].lower()]
        if cells.get("language"):
            values["language"] = cells["language"].lower()[:8]
        for name, parse in (("birthday", self._parse_birthday), ("newsletter", parsing.parse_bool)):
            if cells.get(name):
                try:
                    values[name] = parse(cells[name])
                except parsing.FieldError as error:
                    raise _RowError(name, str(error)) from None
        country = cells.get("country", "").upper()
        if country and (len(country) != 2 or not country.isalpha()):
            raise _RowError(
                "country", _("“%(value)s” is not a two-letter country code.") % {"value": country}
            )
        address = {name: cells.get(name, "") for name in ADDRESS_FIELDS if cells.get(name)}
        if address:
            address["country"] = country or "DE"
            values["address"] = address
        values["tags"] = parsing.split_tags(cells.get("tags", ""))
        return values

    def _parse_birthday(self, text: str) -> Any:
        birthday = parsing.parse_date(text)
        parsing.check_birthday(birthday, now=self.now, written=text)
        return birthday

    def _save(self, values: dict[str, Any]) -> list[Activity]:
        customer, created = self._find_or_create(values)
        activities = []
        if created:
            self.summary.customers_created += 1
            activities.append(
                Activity(
                    customer_id=customer.pk,
                    kind=ActivityKind.CUSTOMER_CREATED,
                    occurred_at=self.now,
                    actor_label=self.source_label,
                    summary=_("Customer created (CSV import)"),
                    dedupe_key=f"customer:{customer.pk}:created",
                )
            )
        else:
            changed = [
                name
                for name in PROFILE_FIELDS
                if name in values and getattr(customer, name) != values[name]
            ]
            if changed:
                for name in changed:
                    setattr(customer, name, values[name])
                customer.save(update_fields=[*changed, "updated_at"])
                self.summary.customers_updated += 1
        if values["customer_id"]:
            ShopAccount.objects.get_or_create(
                shop=self.shop, external_id=values["customer_id"], defaults={"customer": customer}
            )
        if values["tags"]:
            customer.tags.add(*(Tag.objects.get_or_create(name=name)[0] for name in values["tags"]))
        if "address" in values:
            self._save_address(customer, values["address"])
        if "newsletter" in values:
            activities.extend(self._save_consent(customer, values["newsletter"]))
        return activities

    def _find_or_create(self, values: dict[str, Any]) -> tuple[Customer, bool]:
        customer = None
        if values["customer_id"]:
            account = ShopAccount.objects.filter(
                shop=self.shop, external_id=values["customer_id"]
            ).first()
            customer = account.customer if account else None
        email = values.get("email")
        taken = (
            customer is not None
            and email
            and customer.email != email
            and Customer.objects.filter(email=email).exclude(pk=customer.pk).exists()
        )
        if taken:
            raise _RowError(
                "email",
                _("The e-mail %(email)s belongs to another customer than id %(id)s.")
                % {"email": email, "id": values["customer_id"]},
            )
        if customer is None and email:
            customer = Customer.objects.filter(email=email).first()
        if customer is not None:
            return customer, False
        customer = Customer(**{name: values[name] for name in PROFILE_FIELDS if name in values})
        customer.save()
        return customer, True

    def _save_address(self, customer: Customer, address: dict[str, str]) -> None:
        current = customer.addresses.filter(kind=AddressKind.BILLING, is_default=True).first()
        if current is None:
            Address.objects.create(customer=customer, kind=AddressKind.BILLING, **address)
            return
        changed = [name for name, value in address.items() if getattr(current, name) != value]
        for name in changed:
            setattr(current, name, address[name])
        if changed:
            current.save(update_fields=changed)

    def _save_consent(self, customer: Customer, granted: bool) -> list[Activity]:
        """Append to the consent ledger only when the state changes, so a re-import adds none."""
        current = (
            ConsentEvent.objects.filter(
                customer=customer, channel=ConsentChannel.EMAIL, purpose=ConsentPurpose.NEWSLETTER
            )
            .order_by("-given_at", "-id")
            .first()
        )
        if (current is None and not granted) or (current and current.granted == granted):
            return []
        event = ConsentEvent.objects.create(
            customer=customer,
            channel=ConsentChannel.EMAIL,
            purpose=ConsentPurpose.NEWSLETTER,
            granted=granted,
            source=ConsentSource.IMPORT,
            source_detail=self.source_label[:200],
            given_at=self.now,
        )
        verb = _("granted") if granted else _("withdrawn")
        return [
            Activity(
                customer_id=customer.pk,
                kind=ActivityKind.CONSENT_CHANGED,
                occurred_at=self.now,
                actor_label=self.source_label,
                summary=f"{ConsentPurpose.NEWSLETTER.label} ({ConsentChannel.EMAIL.label}): {verb}",
                subject_type="customers.consentevent",
                subject_id=event.pk,
                dedupe_key=f"consent:{event.pk}",
            )
        ]


class _RowError(Exception):
    def __init__(self, column: str, reason: str) -> None:
        super().__init__(reason)
        self.column = column
        self.reason = reason
