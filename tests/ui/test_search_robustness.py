"""Whatever a person types into the search box, the page answers and never fails."""

from __future__ import annotations

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ODD_TERMS = [
    "'",
    '"',
    "%",
    "_",
    "%_%",
    "\\",
    "' OR 1=1 --",
    "#",
    "##",
    "@",
    "  ",
    "\x00",
    "Müller 😀",
    "ß" * 300,
    "x" * 10_000,
    "0171 " * 2000,
    "<script>alert(1)</script>",
]


@pytest.mark.parametrize("term", ODD_TERMS)
def test_odd_search_terms_never_fail(client, agent, juergen, term):
    client.force_login(agent)
    response = client.get(reverse("ui:customer-list"), {"q": term})
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.content.decode()


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(term=st.text(max_size=300) | st.text(alphabet="%_'\"\\#@ 0123456789äöüß", max_size=50))
def test_any_search_text_never_fails(client, agent, juergen, term):
    client.force_login(agent)
    response = client.get(
        reverse("ui:customer-list"),
        {"q": term},
        headers={"HX-Request": "true", "HX-Target": "results"},
    )
    assert response.status_code == 200
