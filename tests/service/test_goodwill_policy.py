"""The goodwill rule without a database: within the limit, above it, refused."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation

from stammkunde.service.goodwill_policy import Outcome, fallback_keys, judge, limit_for

LIMITS = {
    ("Service agent", "", ""): Decimal("20.00"),
    ("Service agent", "delivery_problem", ""): Decimal("15.00"),
    ("Team lead", "", ""): Decimal("100.00"),
}
# Every level of the fallback order for the agent: kind and type, kind, type, general.
BY_KIND = {
    ("Service agent", "", ""): Decimal("20.00"),
    ("Service agent", "delivery_problem", ""): Decimal("15.00"),
    ("Service agent", "", "refund"): Decimal("10.00"),
    ("Service agent", "delivery_problem", "refund"): Decimal("5.00"),
    ("Service agent", "", "gift"): Decimal("40.00"),
}


def test_agent_grants_within_own_limit_at_once():
    verdict = judge("10", roles=["Service agent"], case_type="complaint", limits=LIMITS)
    assert verdict.outcome is Outcome.GRANT
    assert verdict.limit == Decimal("20.00")


def test_exactly_the_limit_is_within_it():
    verdict = judge(Decimal("20.00"), roles=["Service agent"], case_type="", limits=LIMITS)
    assert verdict.outcome is Outcome.GRANT


def test_case_type_limit_beats_the_default():
    verdict = judge("18", roles=["Service agent"], case_type="delivery_problem", limits=LIMITS)
    assert verdict.outcome is Outcome.APPROVAL
    assert verdict.limit == Decimal("15.00")


def test_agent_above_limit_waits_for_approval():
    verdict = judge("35", roles=["Service agent"], case_type="complaint", limits=LIMITS)
    assert verdict.outcome is Outcome.APPROVAL
    assert "20.00" in verdict.reason


def test_highest_limit_of_several_roles_counts():
    assert limit_for(["Service agent", "Team lead"], "delivery_problem", LIMITS) == Decimal("100")


def test_no_limit_for_a_role_means_everything_waits():
    verdict = judge("1", roles=["Mediator"], case_type="", limits=LIMITS)
    assert verdict.outcome is Outcome.APPROVAL
    assert verdict.limit == Decimal(0)


@pytest.mark.parametrize(
    "amount",
    ["-5", "0", "0.00", "5000.01", "1e9", "NaN", "Infinity", "zehn", "", None, True, "10.001"],
)
def test_negative_zero_absurd_or_malformed_amounts_are_refused(amount):
    verdict = judge(amount, roles=["Team lead"], case_type="", limits=LIMITS)
    assert verdict.outcome is Outcome.REFUSED
    assert verdict.reason


def test_superuser_has_no_limit_but_absurd_is_still_refused():
    assert judge("4999", roles=[], case_type="", limits={}, unlimited=True).outcome is Outcome.GRANT
    assert judge("9999", roles=[], case_type="", limits={}, unlimited=True).outcome is (
        Outcome.REFUSED
    )


def test_refund_above_what_is_left_on_the_order_is_refused():
    verdict = judge(
        "30", roles=["Team lead"], case_type="", limits=LIMITS, open_on_order=Decimal("25.00")
    )
    assert verdict.outcome is Outcome.REFUSED


def test_sums_in_the_reasons_are_written_the_readers_way():
    # "30 liegt über Ihrem Limit von 15.00" was what a German agent read.
    with translation.override("de"):
        above = judge("35", roles=["Service agent"], case_type="complaint", limits=LIMITS)
        absurd = judge("9000", roles=["Team lead"], case_type="", limits=LIMITS)
        refund = judge(
            "30", roles=["Team lead"], case_type="", limits=LIMITS, open_on_order=Decimal("25")
        )
        swiss = judge(
            "30",
            roles=["Team lead"],
            case_type="",
            limits=LIMITS,
            open_on_order=Decimal("1250"),
            currency="CHF",
        )
    assert "35,00\u00a0€" in above.reason and "20,00\u00a0€" in above.reason
    assert "5.000,00\u00a0€" in absurd.reason
    assert "25,00\u00a0€" in refund.reason
    assert swiss.outcome is Outcome.GRANT
    with translation.override("en"):
        above = judge("35", roles=["Service agent"], case_type="complaint", limits=LIMITS)
    assert "€35.00" in above.reason and "€20.00" in above.reason


@pytest.mark.parametrize(
    ("kind", "case_type", "expected"),
    [
        ("refund", "delivery_problem", "5.00"),  # its kind in its type
        ("refund", "complaint", "10.00"),  # its kind in every type
        ("gift", "delivery_problem", "40.00"),  # the kind beats the type's limit for every kind
        ("voucher", "delivery_problem", "15.00"),  # every kind in its type
        ("voucher", "complaint", "20.00"),  # the role's general limit
        ("free_shipping", "", "20.00"),
        ("refund", "", "10.00"),
    ],
)
def test_the_limit_follows_the_fallback_order(kind, case_type, expected):
    assert limit_for(["Service agent"], case_type, BY_KIND, kind) == Decimal(expected)
    verdict = judge(
        expected, roles=["Service agent"], case_type=case_type, limits=BY_KIND, kind=kind
    )
    assert verdict.outcome is Outcome.GRANT
    above = Decimal(expected) + Decimal("0.01")
    verdict = judge(above, roles=["Service agent"], case_type=case_type, limits=BY_KIND, kind=kind)
    assert verdict.outcome is Outcome.APPROVAL


def test_a_kind_without_any_limit_of_the_role_waits():
    limits = {("Service agent", "", "voucher"): Decimal("20.00")}
    assert limit_for(["Service agent"], "complaint", limits, "voucher") == Decimal("20.00")
    assert limit_for(["Service agent"], "complaint", limits, "refund") == Decimal(0)


def test_several_roles_take_the_highest_after_each_ones_fallback():
    limits = {
        ("Service agent", "", "refund"): Decimal("10.00"),
        ("Mediator", "", ""): Decimal("60.00"),
        ("Mediator", "complaint", "refund"): Decimal("8.00"),
    }
    roles = ["Service agent", "Mediator"]
    assert limit_for(roles, "complaint", limits, "refund") == Decimal("10.00")
    assert limit_for(roles, "question", limits, "refund") == Decimal("60.00")


def test_fallback_keys_leave_out_repeats():
    assert fallback_keys("complaint", "gift") == [
        ("complaint", "gift"),
        ("", "gift"),
        ("complaint", ""),
        ("", ""),
    ]
    assert fallback_keys("", "") == [("", "")]
