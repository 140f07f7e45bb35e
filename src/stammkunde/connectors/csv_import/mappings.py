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

    def resolve(self, header: list[str]) -> dict[str, int]:
        """Return field -> column index for ``header``; refuse unknown or missing columns."""
        fields, required = KINDS[self.kind]
        columns = {source.lower(): target for source, target in self.columns.items()}
        ignored = {name.lower() for name in self.ignore}
        positions: dict[str, int] = {}
        unknown = []
        for index, name in enumerate(header):
            key = name.lower()
            if key in ignored or not key:
                continue
            target = columns.get(key, key if not self.columns else None)
            if target not in fields:
                unknown.append(name)
            elif target in positions:
                raise UnreadableFile(_("The column “%(name)s” appears twice.") % {"name": name})
            else:
                positions[target] = index
        if unknown:
            raise UnreadableFile(
                _("Unknown columns: %(names)s. Known columns: %(known)s.")
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
        data = json.loads(path.read_text(encoding="utf-8"))
        return Mapping(
            name=path.stem,
            kind=str(data["kind"]),
            columns={str(k): str(v) for k, v in data.get("columns", {}).items()},
            ignore=tuple(str(name) for name in data.get("ignore", ())),
            time_zone=str(data.get("time_zone", "")),
            currency=str(data.get("currency", "")),
            cancellation_prefix=str(data.get("cancellation_prefix", "")),
        )
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise UnreadableFile(
            _("The mapping file %(path)s is not valid: %(reason)s")
            % {"path": path, "reason": error}
        ) from None
