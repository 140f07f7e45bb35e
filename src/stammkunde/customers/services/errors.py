"""The errors customer changes raise, and the check that a customer can still change."""

from __future__ import annotations

from django.utils.translation import gettext as _

from stammkunde.customers.models import Customer, CustomerStatus


class CustomerError(ValueError):
    """A change to a customer that cannot be made; the message is meant for the user."""


class CustomerConflict(CustomerError):
    """The change clashes with the state of the data (an e-mail another customer has, an
    erased customer), not with the values themselves."""


def require_changeable(customer: Customer) -> None:
    """Raise CustomerConflict when the customer was merged away or erased."""
    if customer.status != CustomerStatus.ACTIVE:
        raise CustomerConflict(_("This customer can no longer be changed."))
