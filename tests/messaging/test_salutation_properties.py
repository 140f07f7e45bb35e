"""Whatever the customer record holds, the greeting never has a gap (hypothesis)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from stammkunde.messaging.salutation import Recipient, greeting_for

field_text = st.one_of(
    st.just(""),
    st.sampled_from([" ", "  Anna ", "MÜLLER", "von bülow", "Dr.", "-", ".", "Kim"]),
    st.text(max_size=20),
)


@given(
    first_name=field_text,
    last_name=field_text,
    title=field_text,
    salutation=st.sampled_from(["", "mr", "ms", "mx", "xx"]),
    form_of_address=st.sampled_from(["formal", "informal", "", "other"]),
    language=st.sampled_from(["de", "en", "de-AT", "fr", ""]),
    company=field_text,
)
def test_greeting_is_never_gappy(**fields):
    greeting = greeting_for(Recipient(**fields))
    assert greeting.text == greeting.text.strip()
    assert greeting.text
    assert "  " not in greeting.text
    assert not greeting.line.endswith(" ,")
    assert greeting.language in ("de", "en")
    assert greeting.is_fallback is (greeting.fallback_reason is not None)
