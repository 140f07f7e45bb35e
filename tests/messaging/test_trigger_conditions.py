"""A trigger's conditions: parsed strictly, checked against plain facts."""

from __future__ import annotations

from decimal import Decimal

import pytest

from stammkunde.messaging.trigger_conditions import (
    ConditionError,
    Facts,
    parse_conditions,
    unmet_condition,
)


def test_empty_conditions_are_always_met():
    assert parse_conditions({}) == {}
    assert unmet_condition({}, Facts(language="de")) is None


def test_parsing_keeps_checked_values_and_drops_empty_ones():
    parsed = parse_conditions(
        {
            "segment_id": "4",
            "min_order_value": "20,50",
            "max_order_value": "",
            "categories": "Kaffee, Tee,",
            "order_kind": "first",
            "languages": ["de"],
        }
    )
    assert parsed == {
        "segment_id": 4,
        "min_order_value": "20.50",
        "categories": ["Kaffee", "Tee"],
        "order_kind": "first",
        "languages": ["de"],
    }


@pytest.mark.parametrize(
    "raw",
    [
        {"colour": "red"},
        {"min_order_value": "viel"},
        {"min_order_value": "-1"},
        {"min_order_value": "50", "max_order_value": "20"},
        {"order_kind": "third"},
        {"languages": "fr"},
        {"segment_id": "vier"},
        # no segment's number: beyond the database's 64-bit ids, negative, another script
        {"segment_id": "99999999999999999999"},
        {"segment_id": 99999999999999999999},
        {"segment_id": "-3"},
        {"segment_id": "٣"},
    ],
)
def test_bad_conditions_are_refused_with_a_reason(raw):
    with pytest.raises(ConditionError) as error:
        parse_conditions(raw)
    assert str(error.value)


def test_each_condition_names_itself_when_unmet():
    facts = Facts(
        language="de",
        in_segment=True,
        order_total=Decimal("30"),
        categories=frozenset({"Kaffee"}),
        is_first_order=False,
    )
    assert unmet_condition({"languages": ["en"]}, facts) == "languages"
    assert (
        unmet_condition({"segment_id": 1}, Facts(language="de", in_segment=False)) == "segment_id"
    )
    assert unmet_condition({"min_order_value": "50"}, facts) == "min_order_value"
    assert unmet_condition({"max_order_value": "20"}, facts) == "max_order_value"
    assert unmet_condition({"categories": ["Tee"]}, facts) == "categories"
    assert unmet_condition({"order_kind": "first"}, facts) == "order_kind"
    assert unmet_condition({"order_kind": "repeat", "categories": ["Kaffee"]}, facts) is None
    assert unmet_condition({"min_order_value": "10"}, Facts(language="de")) == "no_order"


def test_conditions_are_described_in_words_in_german():
    from django.utils import translation

    from stammkunde.messaging.trigger_conditions import describe_conditions

    conditions = parse_conditions(
        {"min_order_value": "50", "order_kind": "first", "languages": ["de"], "segment_id": "3"}
    )
    with translation.override("de"):
        words = describe_conditions(conditions, segment_names={3: "Stammkunden"})
    assert words == [
        "nur Kundinnen und Kunden im Segment „Stammkunden“",
        "Bestellwert ab 50,00\u00a0€",
        "nur Erstbestellung",
        "Sprache: Deutsch",
    ]


def test_conditions_in_words_name_ranges_categories_and_both_languages():
    from django.utils import translation

    from stammkunde.messaging.trigger_conditions import describe_conditions

    conditions = parse_conditions(
        {
            "min_order_value": "20",
            "max_order_value": "1500",
            "categories": "Tee",
            "order_kind": "repeat",
            "languages": ["de", "en"],
            "segment_id": 9,
        }
    )
    with translation.override("en"):
        words = describe_conditions(conditions)
    assert words == [
        "only customers in the segment “no. 9”",
        "order value from €20.00 to €1,500.00",
        "only orders with a product of the category Tee",
        "only repeat orders",
        "language: German or English",
    ]
    assert describe_conditions({}) == []


def test_a_delay_reads_as_people_say_it_in_both_languages():
    from datetime import timedelta

    from django.utils import translation

    from stammkunde.messaging.trigger_conditions import describe_delay

    with translation.override("de"):
        assert describe_delay(timedelta(days=7)) == "7 Tage"
        assert describe_delay(timedelta(days=1, hours=2)) == "1 Tag, 2 Stunden"
        assert describe_delay(timedelta(minutes=90)) == "1 Stunde, 30 Minuten"
        assert describe_delay(None) == "sofort"
    with translation.override("en"):
        assert describe_delay(timedelta(days=7)) == "7 days"
        assert describe_delay(timedelta(hours=1)) == "1 hour"
        assert describe_delay(timedelta(0)) == "at once"
