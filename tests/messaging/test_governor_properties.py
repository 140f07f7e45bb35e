"""Properties of the governor over random histories (hypothesis)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from stammkunde.messaging.governor import (
    Lifecycle,
    Outcome,
    PastSend,
    Purpose,
    Rule,
    SendRequest,
    decide,
)

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 12, 3, 10, tzinfo=BERLIN)

sends = st.lists(
    st.builds(
        PastSend,
        purpose=st.sampled_from(list(Purpose)),
        sent_at=st.integers(min_value=1, max_value=120 * 24 * 60).map(
            lambda minutes: NOW - timedelta(minutes=minutes)
        ),
        engaged=st.sampled_from([None, True, False]),
        order_id=st.sampled_from([None, "1", "2"]),
    ),
    max_size=12,
)
requests = st.builds(
    SendRequest,
    purpose=st.sampled_from(list(Purpose)),
    at=st.integers(min_value=0, max_value=48 * 60).map(lambda m: NOW + timedelta(minutes=m)),
    recent_sends=sends,
    lifecycle=st.sampled_from(list(Lifecycle)),
    time_zone=st.sampled_from(["Europe/Berlin", "America/New_York", "Asia/Tokyo"]),
    order_id=st.sampled_from([None, "1", "3"]),
)


@settings(max_examples=300, deadline=None)
@given(request=requests)
def test_every_decision_is_consistent(request):
    decision = decide(request)
    assert decision.reason  # always explained
    if request.purpose is Purpose.TRANSACTIONAL:
        assert (decision.outcome, decision.rule) == (Outcome.SEND, Rule.TRANSACTIONAL)
    if decision.outcome is Outcome.SEND:
        assert decision.send_at == request.at
    if decision.outcome is Outcome.SUPPRESS:
        assert decision.send_at is None
    if decision.outcome is Outcome.DELAY:
        assert decision.send_at > request.at
        local = decision.send_at.astimezone(ZoneInfo(request.time_zone)).time()
        assert time(8) <= local < time(20)  # never delayed into the quiet hours


@settings(max_examples=200, deadline=None)
@given(request=requests)
def test_sending_at_the_delayed_time_is_allowed_by_the_limits(request):
    decision = decide(request)
    if decision.outcome is Outcome.DELAY:
        again = decide(
            SendRequest(
                purpose=request.purpose,
                at=decision.send_at,
                recent_sends=request.recent_sends,
                lifecycle=request.lifecycle,
                time_zone=request.time_zone,
                order_id=request.order_id,
            )
        )
        assert again.outcome is Outcome.SEND
