"""Importing customers from CSV, one row at a time (customer files are small; orders are not).

A customer is found as every path finds one (``customers.matching``): by the shop's customer
number first, then by normalized e-mail, following merges to the survivor, so
``Anna@Example.de`` and ``anna@example.de`` in one file are one customer: the later row updates
the earlier. Empty cells never blank a value already stored. The writes are the owning apps':
``customers.importing`` (profile, tags, address), ``shop.services.link_shop_accounts`` and
``customers.shop_data.record_reported_consents`` (a file's newsletter grant never overrides a
newer direct opt-out; the summary counts those held back).
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
from stammkunde.customers.importing import (
    PROFILE_FIELDS,
    EmailTaken,
    ImportedCustomer,
    save_imported_customer,
)
from stammkunde.customers.matching import match_customer
from stammkunde.customers.models import (
    ConsentChannel,
    ConsentSource,
    Customer,
    FormOfAddress,
    Salutation,
)
from stammkunde.customers.shop_data import ShopConsent, record_reported_consents
from stammkunde.shop.models import Shop
from stammkunde.shop.services import link_shop_accounts

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
        # A token, not a sentence: the timeline names it in each reader's language
        # (timeline.formatting.format_actor), and the consent's dedupe key stays the same
        # whatever language the import ran in.
        self.source_label = f"csv_import:{source.path.name}"
        width = len(source.header)
        batch: list[tuple[int, dict[str, str]]] = []
        for line, cells, problem in source.rows():
            self.summary.rows += 1
            if cells is None:
                self._reject(line, "", problem)
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
        # The newsletter cell of the last accepted row per customer (the later row wins).
        consents: dict[int, ShopConsent] = {}
        for line, cells in batch:
            try:
                values = self._parse(cells)
            except _RowError as error:
                self._reject(line, error.column, error.reason)
                continue
            try:
                # A savepoint per row: a row that fails in the database leaves nothing behind.
                with transaction.atomic():
                    customer = self._save(values)
            except _RowError as error:
                self._reject(line, error.column, error.reason)
                continue
            except DatabaseError as error:
                self._reject(line, "", _("The database refused the row: %(e)s") % {"e": error})
                continue
            self.summary.accepted += 1
            if "newsletter" in values:
                consents[customer.pk] = ShopConsent(
                    customer,
                    ConsentChannel.EMAIL,
                    values["newsletter"],
                    None,  # a file's consent has no time of its own: never newer than an opt-out
                    self.source_label,
                    source=ConsentSource.IMPORT,
                )
        for outcome in record_reported_consents(list(consents.values())):
            if outcome.event is not None:
                self.summary.consents_recorded += 1
            elif outcome.held_back_by is not None:
                self.summary.consents_held_back += 1

    def _parse(self, cells: dict[str, str]) -> dict[str, Any]:
        values: dict[str, Any] = {}
        email = normalize_email(cells.get("email"))
        if email:
            if not parsing.is_valid_email(email):
                raise _RowError(
                    "email", _("“%(value)s” is not a valid e-mail address.") % {"value": email}
                ) from None
            values["email"] = email
        try:
            customer_id = parsing.normalize_external_id(cells.get("customer_id", ""))
        except parsing.FieldError as error:
            raise _RowError("customer_id", str(error)) from None
        values["customer_id"] = customer_id[:100]
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

    def _save(self, values: dict[str, Any]) -> Customer:
        customer_id = match_customer(self.shop.pk, values["customer_id"], values.get("email"))
        row = ImportedCustomer(
            {name: values[name] for name in PROFILE_FIELDS if name in values},
            values["tags"],
            values.get("address"),
        )
        try:
            customer, created, updated = save_imported_customer(
                row, customer_id=customer_id, source_label=self.source_label, occurred_at=self.now
            )
        except EmailTaken:
            raise _RowError(
                "email",
                _("The e-mail %(email)s belongs to another customer than id %(id)s.")
                % {"email": values["email"], "id": values["customer_id"]},
            ) from None
        self.summary.customers_created += created
        self.summary.customers_updated += updated
        if values["customer_id"]:
            link_shop_accounts(self.shop, {values["customer_id"]: customer.pk})
        return customer


class _RowError(Exception):
    def __init__(self, column: str, reason: str) -> None:
        super().__init__(reason)
        self.column = column
        self.reason = reason
