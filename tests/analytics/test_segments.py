"""Segment definitions: validation of the JSON filter, and the customers each filter selects."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from stammkunde.analytics.models import CustomerScore, Segment
from stammkunde.analytics.segment_definitions import SegmentDefinitionError, parse_definition
from stammkunde.analytics.segments import (
    customers_in_segment,
    customers_matching,
    refresh_segment_counts,
)
from stammkunde.customers.models import ConsentEvent, CustomerStatus, Tag
from stammkunde.shop.models import Product
from tests.factories import CustomerFactory, OrderFactory, OrderLineFactory

# --- validation (no database) -------------------------------------------------------------


def test_empty_definition_is_valid_and_selects_everyone():
    assert parse_definition({}).to_json() == {}
    assert parse_definition(None).to_json() == {}


def test_definition_round_trips_in_canonical_form():
    raw = {
        "rfm_segments": ["at_risk", "cant_lose", "at_risk"],
        "churn_alarm": True,
        "clv_min": 100,
        "last_order_min_days": "60",
        "consent": {"channel": "email", "purpose": "newsletter"},
        "preferences": {"newsletter_topic": "espresso"},
        "tags_any": [" VIP ", ""],
    }
    assert parse_definition(raw).to_json() == {
        "rfm_segments": ["at_risk", "cant_lose"],
        "churn_alarm": True,
        "clv_min": "100",
        "last_order_min_days": 60,
        "consent": {"channel": "email", "purpose": "newsletter"},
        "preferences": {"newsletter_topic": "espresso"},
        "tags_any": ["VIP"],
    }


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ([1, 2], ""),
        ("at_risk", ""),
        ({"colour": "red"}, "colour"),
        ({"rfm_segments": ["vip"]}, "rfm_segments"),
        ({"rfm_segments": [1]}, "rfm_segments"),
        ({"churn_alarm": "yes"}, "churn_alarm"),
        ({"churn_risk_min": 1.5}, "churn_risk_min"),
        ({"churn_risk_min": "NaN"}, "churn_risk_min"),
        ({"clv_min": "lots"}, "clv_min"),
        ({"clv_min": -1}, "clv_min"),
        ({"clv_min": True}, "clv_min"),
        ({"clv_min": 500, "clv_max": 100}, "clv_min"),
        ({"orders_min": 1.5}, "orders_min"),
        ({"last_order_min_days": 90, "last_order_max_days": 30}, "last_order_min_days"),
        ({"form_of_address": "royal"}, "form_of_address"),
        ({"preferences": {"a b": 1}}, "preferences"),
        ({"preferences": {"x": [1]}}, "preferences"),
        ({"preferences": "x"}, "preferences"),
        ({"consent": {"channel": "email"}}, "consent"),
        ({"consent": {"channel": "pigeon", "purpose": "newsletter"}}, "consent"),
        ({"tags_any": ["x" * 101]}, "tags_any"),
        ({"tags_any": ["t"] * 51}, "tags_any"),
    ],
)
def test_bad_definitions_are_refused_with_the_offending_key(raw, key):
    with pytest.raises(SegmentDefinitionError) as caught:
        parse_definition(raw)
    assert caught.value.key == key
    assert str(caught.value)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)
definition_keys = st.sampled_from(
    ["rfm_segments", "churn_alarm", "churn_risk_min", "clv_max", "orders_min",
     "last_order_max_days", "categories", "tags_any", "languages", "form_of_address",
     "preferences", "consent", "unknown"]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(definition_keys, json_values, max_size=5) | json_values)
def test_any_json_is_either_a_valid_definition_or_a_clear_error(raw):
    try:
        definition = parse_definition(raw)
    except SegmentDefinitionError as error:
        assert str(error)
    else:
        # A valid definition survives its own round trip unchanged.
        assert parse_definition(definition.to_json()) == definition


# --- selection (database) -----------------------------------------------------------------


def score(customer, **fields) -> CustomerScore:
    defaults = {"scored_at": timezone.now(), "currency": "EUR", "orders_count": 1}
    return CustomerScore.objects.create(customer=customer, **{**defaults, **fields})


def ids(queryset) -> set[int]:
    return set(queryset.values_list("id", flat=True))


@pytest.mark.django_db
def test_high_value_at_risk_selects_by_rfm_segment_and_clv():
    wanted = CustomerFactory()
    score(wanted, rfm_segment="at_risk", clv_12m=Decimal("250.00"))
    cheap = CustomerFactory()
    score(cheap, rfm_segment="at_risk", clv_12m=Decimal("20.00"))
    loyal = CustomerFactory()
    score(loyal, rfm_segment="loyal", clv_12m=Decimal("900.00"))
    CustomerFactory()  # never scored

    definition = parse_definition({"rfm_segments": ["at_risk", "cant_lose"], "clv_min": 100})
    assert ids(customers_matching(definition)) == {wanted.pk}


@pytest.mark.django_db
def test_churn_alarm_and_risk_bounds():
    alarmed = CustomerFactory()
    score(alarmed, churn_alarm=True, churn_risk=0.8)
    calm = CustomerFactory()
    score(calm, churn_alarm=False, churn_risk=0.1)
    unknown_risk = CustomerFactory()
    score(unknown_risk, churn_alarm=True, churn_risk=None)

    assert ids(customers_matching(parse_definition({"churn_alarm": True}))) == {
        alarmed.pk,
        unknown_risk.pk,
    }
    assert ids(customers_matching(parse_definition({"churn_alarm": False}))) == {calm.pk}
    assert ids(customers_matching(parse_definition({"churn_risk_min": 0.5}))) == {alarmed.pk}
    assert ids(customers_matching(parse_definition({"churn_risk_max": 0.5}))) == {calm.pk}


@pytest.mark.django_db
def test_last_order_window_counts_days_back_from_today():
    today = timezone.localdate()
    recent = CustomerFactory()
    score(recent, last_order_at=today - timedelta(days=10))
    lapsed = CustomerFactory()
    score(lapsed, last_order_at=today - timedelta(days=120))
    boundary = CustomerFactory()
    score(boundary, last_order_at=today - timedelta(days=90))

    lapsed_90 = parse_definition({"last_order_min_days": 90})
    assert ids(customers_matching(lapsed_90)) == {lapsed.pk, boundary.pk}
    within_30 = parse_definition({"last_order_max_days": 30})
    assert ids(customers_matching(within_30)) == {recent.pk}


@pytest.mark.django_db
def test_orders_and_revenue_bounds():
    one = CustomerFactory()
    score(one, orders_count=1, total_revenue=Decimal("30"))
    many = CustomerFactory()
    score(many, orders_count=7, total_revenue=Decimal("700"))
    assert ids(customers_matching(parse_definition({"orders_min": 2}))) == {many.pk}
    assert ids(customers_matching(parse_definition({"revenue_max": "100"}))) == {one.pk}


@pytest.mark.django_db
def test_categories_bought_ignore_cancelled_and_test_orders():
    tea_buyer = CustomerFactory()
    cancelled_buyer = CustomerFactory()
    test_buyer = CustomerFactory()
    coffee_buyer = CustomerFactory()
    tea = None
    for customer, status, is_test in (
        (tea_buyer, "paid", False),
        (cancelled_buyer, "cancelled", False),
        (test_buyer, "paid", True),
    ):
        order = OrderFactory(customer=customer, status=status, is_test=is_test)
        if tea is None:
            tea = Product.objects.create(shop=order.shop, sku="TEA", name="Tee", category="Tee")
        OrderLineFactory(order=order, product=tea)
    order = OrderFactory(customer=coffee_buyer)
    coffee = Product.objects.create(shop=order.shop, sku="COF", name="Kaffee", category="Kaffee")
    OrderLineFactory(order=order, product=coffee)

    assert ids(customers_matching(parse_definition({"categories": ["Tee"]}))) == {tea_buyer.pk}
    both = parse_definition({"categories": ["Tee", "Kaffee"]})
    assert ids(customers_matching(both)) == {tea_buyer.pk, coffee_buyer.pk}


@pytest.mark.django_db
def test_tags_any_and_none():
    vip, blocked = Tag.objects.create(name="VIP"), Tag.objects.create(name="Sperre")
    plain_vip = CustomerFactory()
    plain_vip.tags.add(vip)
    blocked_vip = CustomerFactory()
    blocked_vip.tags.add(vip, blocked)
    untagged = CustomerFactory()

    assert ids(customers_matching(parse_definition({"tags_any": ["VIP"]}))) == {
        plain_vip.pk,
        blocked_vip.pk,
    }
    no_block = customers_matching(parse_definition({"tags_none": ["Sperre"]}))
    assert ids(no_block) == {plain_vip.pk, untagged.pk}
    # One customer with two matching tags is one audience member, not two.
    assert customers_matching(parse_definition({"tags_any": ["VIP", "Sperre"]})).count() == 2


@pytest.mark.django_db
def test_profile_and_preferences():
    formal_de = CustomerFactory(language="de", preferences={"topic": "espresso", "paper": True})
    informal_en = CustomerFactory(language="en", form_of_address="informal")
    assert ids(customers_matching(parse_definition({"languages": ["en"]}))) == {informal_en.pk}
    assert ids(customers_matching(parse_definition({"form_of_address": "formal"}))) == {
        formal_de.pk
    }
    prefs = parse_definition({"preferences": {"topic": "espresso", "paper": True}})
    assert ids(customers_matching(prefs)) == {formal_de.pk}
    assert not customers_matching(parse_definition({"preferences": {"topic": "tea"}})).exists()


@pytest.mark.django_db
def test_preference_keys_named_like_lookups_are_still_keys():
    odd = CustomerFactory(preferences={"contains": "x", "isnull": False})
    CustomerFactory(preferences={})
    for key, value in (("contains", "x"), ("isnull", False)):
        definition = parse_definition({"preferences": {key: value}})
        assert ids(customers_matching(definition)) == {odd.pk}


@pytest.mark.django_db
def test_consent_uses_the_newest_ledger_entry():
    now = timezone.now()
    granted = CustomerFactory()
    withdrawn = CustomerFactory()
    regranted = CustomerFactory()
    other_purpose = CustomerFactory()

    def event(customer, granted_now, days_ago, purpose="newsletter"):
        ConsentEvent.objects.create(
            customer=customer,
            channel="email",
            purpose=purpose,
            granted=granted_now,
            source="customer",
            given_at=now - timedelta(days=days_ago),
        )

    event(granted, True, 10)
    event(withdrawn, True, 10)
    event(withdrawn, False, 2)
    event(regranted, False, 10)
    event(regranted, True, 1)
    event(other_purpose, True, 1, purpose="feedback")

    definition = parse_definition({"consent": {"channel": "email", "purpose": "newsletter"}})
    assert ids(customers_matching(definition)) == {granted.pk, regranted.pk}


@pytest.mark.django_db
def test_merged_and_erased_customers_are_never_in_a_segment():
    active = CustomerFactory()
    CustomerFactory(status=CustomerStatus.MERGED)
    CustomerFactory(status=CustomerStatus.ERASED)
    assert ids(customers_matching(parse_definition({}))) == {active.pk}


@pytest.mark.django_db
def test_refresh_segment_counts_counts_each_segment_and_survives_a_broken_one():
    at_risk = CustomerFactory()
    score(at_risk, rfm_segment="at_risk")
    score(CustomerFactory(), rfm_segment="loyal")
    good = Segment.objects.create(name="At risk", definition={"rfm_segments": ["at_risk"]})
    everyone = Segment.objects.create(name="Everyone", definition={})
    broken = Segment.objects.create(name="Old", definition={"rfm_segments": ["renamed"]})

    assert refresh_segment_counts() == 2
    good.refresh_from_db()
    everyone.refresh_from_db()
    broken.refresh_from_db()
    assert (good.customer_count, everyone.customer_count) == (1, 2)
    assert broken.customer_count is None
    assert good.counted_at is not None
    assert ids(customers_in_segment(good)) == {at_risk.pk}
    with pytest.raises(SegmentDefinitionError):
        customers_in_segment(broken)
