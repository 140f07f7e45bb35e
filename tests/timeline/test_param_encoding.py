"""Parameters of timeline entries written in bulk: the same JSON text whichever way it is built."""

from __future__ import annotations

import json

import pytest

from stammkunde.timeline.services import params_to_db, text_param_to_db

NUMBERS = [
    "100001",
    "",
    "A-17/2025",
    'say "hi"',
    "back\\slash",
    "Größe",
    "tab\there",
    "\x00\x1f",
    "😀",
]


@pytest.mark.parametrize("number", NUMBERS)
def test_a_single_text_parameter_is_encoded_as_the_encoder_writes_it(number):
    written = text_param_to_db("number")(number)
    assert written == params_to_db()({"number": number})
    assert json.loads(written) == {"number": number}
