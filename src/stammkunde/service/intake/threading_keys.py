"""What in a mail points at a case or an order: our reference in the subject ("[VG-10234]"),
order numbers in subject and text ("Bestellung 10234", "Order #A-10234")."""

from __future__ import annotations

import re

_REFERENCE = re.compile(r"\[?\b(VG-\d{3,12})\b\]?", re.IGNORECASE)
_ORDER = re.compile(
    r"\b(?:bestell(?:ung|nummer|nr\.?)|auftrag(?:snummer|snr\.?)?|order(?:\s*(?:number|no\.?))?"
    r"|rechnung(?:snummer)?|invoice)\s*(?:nr\.?|no\.?|number)?\s*[:#]?\s*#?\s*"
    r"([A-Z]{0,4}-?\d{3,12})\b",
    re.IGNORECASE,
)


def case_reference(subject: str) -> str:
    """Our case reference in ``subject`` ("VG-10234"), or ""."""
    match = _REFERENCE.search(subject or "")
    return match.group(1).upper() if match else ""


def order_numbers(*texts: str, limit: int = 5) -> list[str]:
    """Order numbers mentioned with a word for order (German or English), first ones first."""
    found: dict[str, None] = {}
    for text in texts:
        for match in _ORDER.finditer((text or "")[:20000]):
            found.setdefault(match.group(1), None)
            if len(found) >= limit:
                return list(found)
    return list(found)
