"""Column mappings: which header of a file feeds which field of the importer.

The default mapping of each kind expects the documented column names (docs/IMPORT.md). Named
presets (``online-retail``) and JSON files adapt other exports without editing them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation import gettext as _

from stammkunde.connectors.csv_import.reading import UnreadableFile

ORDER_FIELDS = (
    "order_number",
    "placed_at",
    "customer_email",
    "customer_id",
    "first_name",
    "last_name",
    "sku",
    "product_name",
    "quantity",
    "unit_price",
    "currency",
    "status",
    "shipping",
)
ORDER_REQUIRED = ("order_number", "placed_at", "quantity", "unit_price")

CUSTOMER_FIELDS = (
    "email",
    "customer_id",
    "first_name",
    "last_name",
    "salutation",
    "title",
    "form_of_address",
    "language",
    "phone",
    "birthday",
    "company",
    "vat_id",
    "street",
    "postal_code",
    "city",
    "country",
    "tags",
    "newsletter",
)

KINDS = {"orders": (ORDER_FIELDS, ORDER_REQUIRED), "customers": (CUSTOMER_FIELDS, ())}

# The headers German shop systems and Excel sheets use, recognised without a mapping file.
# Keys are compared as ``header_key`` makes them (lower case, no spaces, dots or dashes).
GERMAN_HEADERS = {
    "orders": {
        "bestellnummer": "order_number",
        "bestellnr": "order_number",
        "auftragsnummer": "order_number",
        "auftragsnr": "order_number",
        "datum": "placed_at",
        "bestelldatum": "placed_at",
        "bestellzeit": "placed_at",
        "email": "customer_email",
        "emailadresse": "customer_email",
        "kundenemail": "customer_email",
        "kundennummer": "customer_id",
        "kundennr": "customer_id",
        "vorname": "first_name",
        "nachname": "last_name",
        "artikelnummer": "sku",
        "artikelnr": "sku",
        "artnr": "sku",
        "artikel": "product_name",
        "artikelname": "product_name",
        "artikelbezeichnung": "product_name",
        "bezeichnung": "product_name",
        "produkt": "product_name",
        "produktname": "product_name",
        "menge": "quantity",
        "anzahl": "quantity",
        "preis": "unit_price",
        "einzelpreis": "unit_price",
        "stückpreis": "unit_price",
        "währung": "currency",
        "status": "status",
        "bestellstatus": "status",
        "versand": "shipping",
        "versandkosten": "shipping",
    },
    "customers": {
        "email": "email",
        "emailadresse": "email",
        "kundennummer": "customer_id",
        "kundennr": "customer_id",
        "vorname": "first_name",
        "nachname": "last_name",
        "anrede": "salutation",
        "titel": "title",
        "ansprache": "form_of_address",
        "anredeform": "form_of_address",
        "sprache": "language",
        "telefon": "phone",
        "telefonnummer": "phone",
        "geburtstag": "birthday",
        "geburtsdatum": "birthday",
        "firma": "company",
        "ustidnr": "vat_id",
        "straße": "street",
        "strasse": "street",
        "plz": "postal_code",
        "postleitzahl": "postal_code",
        "ort": "city",
        "stadt": "city",
        "land": "country",
        "tags": "tags",
        "schlagwörter": "tags",
        "newsletter": "newsletter",
    },
}


def header_key(name: str) -> str:
    """How headers are compared: case, spaces, dots, dashes and underscores do not count
    (``E-Mail`` = ``email``, ``Bestell-Nr.`` = ``bestellnr``, ``order_number`` = ``ordernumber``).
    """
    return "".join(char for char in name.lower() if char.isalnum())


def recognised_field(kind: str, name: str) -> str | None:
    """The field a header names without a mapping: the documented English name or a German
    header (GERMAN_HEADERS); None for a header the default mapping does not know."""
    key = header_key(name)
    fields, _required = KINDS[kind]
    for candidate in fields:
        if header_key(candidate) == key:
            return candidate
    return GERMAN_HEADERS[kind].get(key)


@dataclass(frozen=True)
class Mapping:
    """How to read one kind of file.

    ``columns`` maps a header (compared case-insensitively) to a field; headers in ``ignore``
    are skipped. ``time_zone`` and ``currency`` override the shop's; ``cancellation_prefix``
    marks order numbers of cancellations (their quantities may be negative).
    """

    name: str
    kind: str
    columns: dict[str, str] = field(default_factory=dict)
    ignore: tuple[str, ...] = ()
    time_zone: str = ""
    currency: str = ""
    cancellation_prefix: str = ""
    # The file's decimal separator ("," or "."); empty: amounts like 1.234 are ambiguous.
    decimal_separator: str = ""

    def expected_headers(self) -> list[str]:
        """The headers this mapping reads, as the file should name them (for messages)."""
        if self.columns:
            return [*self.columns, *self.ignore]
        return list(KINDS[self.kind][0])

    def resolve(self, header: list[str]) -> dict[str, int]:
        """Return field -> column index for ``header``; refuse unknown or missing columns."""
        fields, required = KINDS[self.kind]
        columns = {header_key(source): target for source, target in self.columns.items()}
        ignored = {header_key(name) for name in self.ignore}
        positions: dict[str, int] = {}
        unknown = []
        for index, name in enumerate(header):
            key = header_key(name)
            if key in ignored or not key:
                continue
            target = columns.get(key) if self.columns else recognised_field(self.kind, name)
            if target not in fields:
                unknown.append(name)
            elif target in positions:
                raise UnreadableFile(_("The column “%(name)s” appears twice.") % {"name": name})
            else:
                positions[target] = index
        if unknown and self.columns:
            raise UnreadableFile(
                _("Unknown columns: %(names)s. The mapping “%(mapping)s” expects: %(known)s.")
                % {
                    "names": ", ".join(unknown),
                    "mapping": self.name,
                    "known": ", ".join(self.expected_headers()),
                }
            )
        if unknown:
            raise UnreadableFile(
                _(
                    "Unknown columns: %(names)s. Known columns: %(known)s (or their German "
                    "names, e.g. Bestellnummer, Datum, Menge, Preis, Kundennummer, E-Mail)."
                )
                % {"names": ", ".join(unknown), "known": ", ".join(fields)}
            )
        missing = [name for name in required if name not in positions]
        if self.kind == "customers" and not {"email", "customer_id"} & positions.keys():
            missing.append("email / customer_id")
        if missing:
            raise UnreadableFile(
                _("Required columns are missing: %(names)s.") % {"names": ", ".join(missing)}
            )
        return positions


ONLINE_RETAIL = Mapping(
    name="online-retail",
    kind="orders",
    columns={
        "InvoiceNo": "order_number",
        "StockCode": "sku",
        "Description": "product_name",
        "Quantity": "quantity",
        "InvoiceDate": "placed_at",
        "UnitPrice": "unit_price",
        "CustomerID": "customer_id",
    },
    ignore=("Country",),
    time_zone="Europe/London",
    currency="GBP",
    cancellation_prefix="C",
    decimal_separator=".",
)

PRESETS = {ONLINE_RETAIL.name: ONLINE_RETAIL}


def get_mapping(kind: str, name_or_path: str = "") -> Mapping:
    """The default mapping of ``kind``, a named preset, or one read from a JSON file."""
    if not name_or_path:
        return Mapping(name="default", kind=kind)
    preset = PRESETS.get(name_or_path)
    if preset is None:
        preset = _load_json(Path(name_or_path))
    if preset.kind != kind:
        raise UnreadableFile(
            _("The mapping “%(name)s” is for %(other)s, not for %(kind)s.")
            % {"name": preset.name, "other": preset.kind, "kind": kind}
        )
    return preset


def _load_json(path: Path) -> Mapping:
    if not path.is_file():
        raise UnreadableFile(
            _("Unknown mapping “%(name)s” (presets: %(presets)s, or a path to a JSON file).")
            % {"name": path, "presets": ", ".join(PRESETS)}
        )
    try:
        data = json.loads(_mapping_text(path.read_bytes()))
        return Mapping(
            name=path.stem,
            kind=str(data["kind"]),
            columns={str(k): str(v) for k, v in data.get("columns", {}).items()},
            ignore=tuple(str(name) for name in data.get("ignore", ())),
            time_zone=str(data.get("time_zone", "")),
            currency=str(data.get("currency", "")),
            cancellation_prefix=str(data.get("cancellation_prefix", "")),
            decimal_separator=_decimal_separator(data.get("decimal_separator", "")),
        )
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise UnreadableFile(
            _("The mapping file %(path)s is not valid: %(reason)s")
            % {"path": path, "reason": error}
        ) from None


def _mapping_text(raw: bytes) -> str:
    """A mapping file as Notepad saves it: UTF-8 with or without BOM, else Windows-1252
    ("ANSI"), so ``"Währung"`` reads right either way."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def _decimal_separator(value: object) -> str:
    """``","`` or ``"."`` (or empty); anything else is refused with the mapping."""
    text = str(value or "").strip()
    if text not in ("", ",", "."):
        raise ValueError(_("decimal_separator must be “,” or “.”"))
    return text
