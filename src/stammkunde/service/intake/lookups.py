"""What a group of mails looks up at once instead of once per mail: their senders' customers
and the cases they answer (``thread_lookups``).

Intake works mails in groups (``processing``); before a group, ``GroupLookups.for_group``
finds the customers of all its senders with two queries (``customers.queries.find_by_emails``,
merges followed). Filing then takes a known sender's customer from here, creates an unknown
sender's through customers' service without asking again, and keeps the new customer for the
group's later mails from the same address. A group that fails is rolled back and its lookups
dropped with it; the mails are then worked one by one without them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from stammkunde.core.keys import normalize_email
from stammkunde.customers.models import Customer
from stammkunde.customers.queries import find_by_emails
from stammkunde.customers.senders import customer_for_sender, new_sender_customer
from stammkunde.service.intake.mime import ParsedMail
from stammkunde.service.intake.thread_lookups import GroupThreads


@dataclass
class GroupLookups:
    """The senders' customers of one group: ``customers`` by normalized address for the known
    ones, ``asked`` every address looked up (so a miss needs no second look); ``threads`` the
    cases its mails answer."""

    customers: dict[str, Customer] = field(default_factory=dict)
    asked: set[str] = field(default_factory=set)
    threads: GroupThreads = field(default_factory=GroupThreads)

    @classmethod
    def for_group(cls, parsed: Iterable[ParsedMail | None]) -> GroupLookups:
        """Look up the senders of the group's parsed mails and the cases they answer."""
        parsed = list(parsed)
        addresses = {
            key for key in (normalize_email(mail.from_address) for mail in parsed if mail) if key
        }
        found = find_by_emails(addresses) if addresses else {}
        by_id = Customer.objects.in_bulk(set(found.values())) if found else {}
        customers = {key: by_id[pk] for key, pk in found.items() if pk in by_id}
        return cls(customers=customers, asked=addresses, threads=GroupThreads.for_group(parsed))

    def customer_for_sender(self, *, email: str, name: str) -> tuple[Any, bool]:
        """``customers.senders.customer_for_sender`` answered from the group's look-up."""
        key = normalize_email(email)
        if not key or key not in self.asked:
            return customer_for_sender(email=email, name=name)
        known = self.customers.get(key)
        if known is not None:
            return known, False
        customer, created = new_sender_customer(email=key, name=name)
        self.customers[key] = customer
        return customer, created
