"""Webhook bodies are read with one shared JSON decoder: the same values, and the same
refusals, as ``json.loads(text, parse_float=Decimal)`` per body."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stammkunde.connectors.platforms import PayloadError
from stammkunde.connectors.platforms.base import load_json

values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


# No deadline: a busy machine is no failure of the decoder.
@settings(deadline=None)
@given(values)
def test_a_body_reads_as_json_loads_reads_it(value):
    text = json.dumps(value)

    assert load_json(text.encode()) == json.loads(text, parse_float=Decimal)


def test_fractions_are_decimals_and_big_ids_exact():
    assert load_json(b'{"price": 19.99, "id": 5100000000000001}') == {
        "price": Decimal("19.99"),
        "id": 5100000000000001,
    }


@pytest.mark.parametrize(
    "body",
    [b"\xef\xbb\xbf{}", b"{", b"", b"\xff{}", b"[" * 100_000],
    ids=["utf-8 BOM", "cut off", "empty", "not UTF-8", "nested too deep"],
)
def test_what_json_loads_refuses_is_a_payload_error(body):
    with pytest.raises(PayloadError):
        load_json(body)
