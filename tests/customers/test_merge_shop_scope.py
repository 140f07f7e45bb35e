"""Merging is an act on the whole person (issue 12): every shop's orders, accounts and cases
move to the survivor. Staff limited to shop A may merge, preview a merge of, and be offered as
duplicates only customers of none but shop A; Clara, who bought in shop A and in shop B, is
shop B's too and is answered as if she did not exist (with a REFUSE row). Unlimited staff
merge her as before."""

from __future__ import annotations

import pytest
from django.urls import reverse

from stammkunde.audit.models import AuditAction, AuditEntry
from stammkunde.customers.duplicates import duplicate_suggestions, duplicates_of, merge_preview
from stammkunde.customers.merging import MergeError, merge_customers
from stammkunde.customers.models import CustomerStatus
from stammkunde.customers.services.profile import create_customer
from stammkunde.shop.models import Order, ShopAccount
from stammkunde.shop.services import limit_staff_to_shops
from tests.factories import make_staff_user

pytestmark = pytest.mark.django_db


def _refusals(user, customer) -> int:
    return AuditEntry.objects.filter(
        actor=user, action=AuditAction.REFUSE, object_id=str(customer.pk)
    ).count()


@pytest.fixture
def doras(two_shops):
    """Dora twice with one phone and name (a duplicate group): one in shop A, one shared by A
    and B; and Dieter twice, both in shop A only."""
    a, b = two_shops["a"], two_shops["b"]
    made = {}
    for key, email, shops in (
        ("dora_a", "dora@example.de", [a]),
        ("dora_ab", "dora.d@example.de", [a, b]),
        ("dieter_1", "dieter@example.de", [a]),
        ("dieter_2", "dieter.d@example.de", [a]),
    ):
        first = "Dora" if key.startswith("dora") else "Dieter"
        phone = "0171 1111111" if first == "Dora" else "0171 2222222"
        customer = create_customer(
            by=None, email=email, first_name=first, last_name="Dattel", phone=phone
        )
        for shop in shops:
            ShopAccount.objects.create(shop=shop, customer=customer, external_id=f"{key}-{shop.pk}")
        made[key] = customer
    return {**two_shops, **made}


def test_a_merge_preview_with_a_customer_shared_with_another_shop_is_refused(agent, two_shops):
    alma, clara = two_shops["alma"], two_shops["clara"]
    assert merge_preview(alma.pk, clara.pk, by=agent) is None
    assert _refusals(agent, clara) == 1
    assert merge_preview(alma.pk, two_shops["anton"].pk, by=agent) is not None


def test_the_merge_service_refuses_a_shared_customer_and_moves_nothing(agent, team_lead, two_shops):
    alma, clara = two_shops["alma"], two_shops["clara"]
    with pytest.raises(MergeError):
        merge_customers(alma, clara, by=agent)
    clara.refresh_from_db()
    assert clara.status == CustomerStatus.ACTIVE
    assert Order.objects.filter(customer=clara).count() == 2
    assert _refusals(agent, clara) == 1
    # unlimited staff merge the same pair
    merge_customers(alma, clara, by=team_lead)
    clara.refresh_from_db()
    assert clara.merged_into_id == alma.pk


def test_the_merge_page_treats_a_shared_customer_as_missing(client, two_shops):
    lead = make_staff_user("lea", role="Team lead")
    limit_staff_to_shops(lead, [two_shops["a"].pk], by=None)
    alma, clara = two_shops["alma"], two_shops["clara"]
    client.force_login(lead)
    path = reverse("ui:customer-merge", args=[alma.pk])
    shown = client.get(path, {"other": clara.pk})
    assert shown.status_code == 302  # "choose another customer", as for one that is missing
    assert "Cedernholz" not in client.get(shown["Location"]).content.decode()
    posted = client.post(path, {"other": clara.pk, "survivor": alma.pk})
    assert posted.status_code == 302
    clara.refresh_from_db()
    assert clara.status == CustomerStatus.ACTIVE
    assert _refusals(lead, clara) == 2
    # a customer of shop A only is merged from the same page
    anton = two_shops["anton"]
    assert client.get(path, {"other": anton.pk}).status_code == 200


def test_duplicate_suggestions_offer_a_limited_agent_only_mergeable_groups(agent, team_lead, doras):
    def shown(user) -> set[int]:
        return {c.pk for _group, customers in duplicate_suggestions(by=user) for c in customers}

    dieters = {doras["dieter_1"].pk, doras["dieter_2"].pk}
    both_doras = {doras["dora_a"].pk, doras["dora_ab"].pk}
    assert shown(agent) == dieters
    assert shown(team_lead) == dieters | both_doras


def test_the_duplicate_notice_offers_no_shared_customer(agent, team_lead, doras):
    dora_a, dora_ab = doras["dora_a"], doras["dora_ab"]
    assert duplicates_of(dora_a, by=agent) == []
    assert duplicates_of(dora_ab, by=agent) == []
    assert [c.customer.pk for c in duplicates_of(dora_a, by=team_lead)] == [dora_ab.pk]
    assert [c.customer.pk for c in duplicates_of(doras["dieter_1"], by=agent)] == [
        doras["dieter_2"].pk
    ]


def test_staff_limited_to_shops_dismiss_only_pairs_of_their_shops_customers(two_shops, agent):
    """Dismissing a pair as 'not the same person' hides it from every shop's duplicate list:
    a member of shop A named shop B's Bruno too and the pair was dismissed."""
    from stammkunde.customers.duplicates import dismiss_duplicates
    from stammkunde.customers.models import DismissedDuplicate

    alma, bruno, anton = two_shops["alma"], two_shops["bruno"], two_shops["anton"]
    assert dismiss_duplicates([alma.pk, bruno.pk], by=agent) == 0
    assert not DismissedDuplicate.objects.exists()
    assert _refusals(agent, bruno) == 1
    assert dismiss_duplicates([alma.pk, anton.pk], by=agent) == 1
