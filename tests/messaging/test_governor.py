"""The contact-pressure governor's rules, one by one and together: plain tests, no database.

The moment of sending is Thursday 2026-12-03 10:00 in Berlin unless a test says otherwise."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from stammkunde.messaging.governor import (
    ContactHold,
    GovernorError,
    GovernorSettings,
    HoldKind,
    Lifecycle,
    Outcome,
    PastSend,
    Purpose,
    Rule,
    SendRequest,
    decide,
)

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 12, 3, 10, 0, tzinfo=BERLIN)


def berlin(month, day, hour=10, minute=0, year=2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BERLIN)


def sent(when, purpose=Purpose.NEWSLETTER, engaged=None, order_id=None) -> PastSend:
    return PastSend(purpose=purpose, sent_at=when, engaged=engaged, order_id=order_id)


def ask(purpose=Purpose.NEWSLETTER, at=NOW, **kwargs):
    return decide(SendRequest(purpose=purpose, at=at, **kwargs))


def assert_sent(decision, at=NOW):
    assert (decision.outcome, decision.rule, decision.send_at) == (
        Outcome.SEND,
        Rule.WITHIN_LIMITS,
        at,
    )


# --- transactional -------------------------------------------------------------------------


def test_transactional_is_never_held_back_but_recorded():
    decision = ask(
        Purpose.TRANSACTIONAL,
        at=berlin(12, 3, 23, 30),
        recent_sends=[sent(berlin(12, 3, 9)), sent(berlin(12, 2, 9))],
        holds=[ContactHold(HoldKind.OPEN_CASE, berlin(12, 1))],
        lifecycle=Lifecycle.FORMER,
    )
    assert (decision.outcome, decision.rule) == (Outcome.SEND, Rule.TRANSACTIONAL)
    assert decision.send_at == berlin(12, 3, 23, 30)
    assert decision.reason == "Sent: transactional messages are never held back, only recorded."


def test_fresh_customer_gets_the_newsletter():
    assert_sent(ask())


# --- contact holds from the service desk ---------------------------------------------------


def test_open_case_holds_back_marketing():
    decision = ask(holds=[ContactHold(HoldKind.OPEN_CASE, berlin(12, 1))])
    assert (decision.outcome, decision.rule) == (Outcome.SUPPRESS, Rule.OPEN_CASE)
    assert decision.send_at is None
    assert decision.reason == "Held back: the customer has an open service case."


def test_solved_case_releases_the_hold():
    hold = ContactHold(HoldKind.OPEN_CASE, berlin(11, 20), released_at=berlin(12, 1))
    assert_sent(ask(holds=[hold]))


@pytest.mark.parametrize("purpose", [Purpose.NEWSLETTER, Purpose.FEEDBACK, Purpose.REACTIVATION])
def test_complaint_in_the_last_30_days_holds_back_marketing_and_feedback(purpose):
    hold = ContactHold(HoldKind.COMPLAINT, berlin(11, 23), released_at=berlin(11, 25))
    decision = ask(purpose, holds=[hold], order_id="10234")
    assert (decision.outcome, decision.rule) == (Outcome.SUPPRESS, Rule.RECENT_COMPLAINT)
    assert decision.params["days"] == 30


def test_complaint_older_than_30_days_no_longer_holds_back():
    hold = ContactHold(HoldKind.COMPLAINT, berlin(11, 2), released_at=berlin(11, 4))
    assert_sent(ask(holds=[hold]))


def test_open_complaint_holds_back_however_old():
    decision = ask(holds=[ContactHold(HoldKind.COMPLAINT, berlin(9, 1))])
    assert decision.rule is Rule.RECENT_COMPLAINT


# --- feedback requests ---------------------------------------------------------------------


def test_feedback_request_must_name_its_order():
    decision = ask(Purpose.FEEDBACK)
    assert (decision.outcome, decision.rule) == (Outcome.SUPPRESS, Rule.FEEDBACK_WITHOUT_ORDER)


def test_feedback_is_asked_once_per_order_however_long_ago():
    earlier = sent(berlin(8, 1), Purpose.FEEDBACK, order_id="10234")
    decision = ask(Purpose.FEEDBACK, recent_sends=[earlier], order_id="10234")
    assert (decision.outcome, decision.rule) == (Outcome.SUPPRESS, Rule.FEEDBACK_ONCE_PER_ORDER)
    assert decision.reason == "Held back: feedback on order 10234 was already requested."


def test_feedback_for_another_order_after_30_days_is_sent():
    earlier = sent(berlin(10, 20), Purpose.FEEDBACK, order_id="10100")
    assert_sent(ask(Purpose.FEEDBACK, recent_sends=[earlier], order_id="10234"))


def test_second_feedback_request_within_30_days_is_dropped():
    earlier = sent(berlin(11, 23), Purpose.FEEDBACK, order_id="10100")
    decision = ask(Purpose.FEEDBACK, recent_sends=[earlier], order_id="10234")
    assert (decision.outcome, decision.rule) == (Outcome.SUPPRESS, Rule.FEEDBACK_PER_30_DAYS)


def test_feedback_request_waits_a_little_and_then_for_the_morning():
    # The last one went out 4 November 20:00; 30 days later is Friday 20:00, in quiet hours.
    earlier = sent(berlin(11, 4, 20), Purpose.FEEDBACK, order_id="10100")
    decision = ask(Purpose.FEEDBACK, recent_sends=[earlier], order_id="10234")
    assert (decision.outcome, decision.rule) == (Outcome.DELAY, Rule.FEEDBACK_PER_30_DAYS)
    assert decision.send_at == berlin(12, 5, 8)


# --- frequency limits and the minimum gap --------------------------------------------------


def test_third_promotional_message_in_a_week_is_held_back():
    history = [sent(berlin(11, 27, 12)), sent(berlin(12, 1, 9))]
    newsletter = ask(recent_sends=history)
    assert (newsletter.outcome, newsletter.rule) == (Outcome.SUPPRESS, Rule.WEEKLY_LIMIT)
    assert newsletter.params == {"count": 2, "limit": 2}
    assert newsletter.reason == ("Held back: 2 promotional messages in the last 7 days (limit 2).")
    # A recommendation may wait until the oldest of the two leaves the week (+7 days).
    recommendation = ask(Purpose.RECOMMENDATION, recent_sends=history)
    assert (recommendation.outcome, recommendation.rule) == (Outcome.DELAY, Rule.WEEKLY_LIMIT)
    assert recommendation.send_at == berlin(12, 4, 12)


def test_transactional_mail_does_not_count_against_the_limits():
    history = [
        sent(berlin(12, 2, 9), Purpose.TRANSACTIONAL),
        sent(berlin(12, 3, 9), Purpose.TRANSACTIONAL),
    ]
    assert_sent(ask(recent_sends=history))


def test_seventh_promotional_message_in_a_month_is_held_back():
    history = [sent(berlin(11, day)) for day in (5, 9, 14, 18, 23, 27)]
    newsletter = ask(recent_sends=history)
    assert (newsletter.outcome, newsletter.rule) == (Outcome.SUPPRESS, Rule.MONTHLY_LIMIT)
    reactivation = ask(Purpose.REACTIVATION, recent_sends=history)
    assert (reactivation.outcome, reactivation.send_at) == (Outcome.DELAY, berlin(12, 5))


def test_minimum_gap_of_48_hours():
    history = [sent(berlin(12, 2))]
    newsletter = ask(recent_sends=history)
    assert (newsletter.outcome, newsletter.rule) == (Outcome.SUPPRESS, Rule.MINIMUM_GAP)
    assert newsletter.reason == (
        "Held back: the last promotional message went out less than 48 hours ago."
    )
    recommendation = ask(Purpose.RECOMMENDATION, recent_sends=history)
    assert (recommendation.outcome, recommendation.send_at) == (Outcome.DELAY, berlin(12, 4))


def test_gap_already_passed_allows_sending():
    assert_sent(ask(recent_sends=[sent(berlin(12, 1, 9, 59))]))


def test_sends_after_the_decision_time_are_not_counted():
    history = [sent(berlin(12, 3, 11)), sent(berlin(12, 3, 12))]
    assert_sent(ask(recent_sends=history))


def test_custom_limits_apply():
    settings = GovernorSettings(max_promotional_per_7_days=1, minimum_gap=timedelta(0))
    request = SendRequest(Purpose.NEWSLETTER, NOW, recent_sends=[sent(berlin(11, 30))])
    assert decide(request, settings).rule is Rule.WEEKLY_LIMIT
    assert decide(request).outcome is Outcome.SEND


def test_limit_of_zero_means_never():
    settings = GovernorSettings(max_promotional_per_30_days=0)
    decision = decide(SendRequest(Purpose.REACTIVATION, NOW), settings)
    assert (decision.outcome, decision.rule) == (Outcome.SUPPRESS, Rule.MONTHLY_LIMIT)


# --- quiet hours ---------------------------------------------------------------------------


def test_evening_message_waits_for_the_morning():
    decision = ask(at=berlin(12, 3, 21, 30))
    assert (decision.outcome, decision.rule) == (Outcome.DELAY, Rule.QUIET_HOURS)
    assert decision.send_at == berlin(12, 4, 8)


def test_early_message_waits_until_eight():
    assert ask(at=berlin(12, 3, 7)).send_at == berlin(12, 3, 8)
    assert_sent(ask(at=berlin(12, 3, 8)), at=berlin(12, 3, 8))
    assert ask(at=berlin(12, 3, 20)).send_at == berlin(12, 4, 8)


def test_quiet_hours_are_in_the_customers_time_zone():
    # 10:00 in Berlin is 04:00 in New York: wait until 08:00 there, 14:00 in Berlin.
    decision = ask(time_zone="America/New_York")
    assert decision.outcome is Outcome.DELAY
    assert decision.send_at == berlin(12, 3, 14)


def test_unknown_time_zone_falls_back_to_berlin():
    assert_sent(ask(time_zone="Mars/Olympus"))


def test_quiet_hours_across_the_dst_change():
    # Saturday 24 October 2026 22:00 CEST; the clocks go back that night; 08:00 CET is 07:00 UTC.
    decision = ask(at=berlin(10, 24, 22))
    assert decision.send_at == datetime(2026, 10, 25, 8, tzinfo=BERLIN)
    assert decision.send_at.utcoffset() == timedelta(hours=1)


# --- back-off for customers who do not react -----------------------------------------------


def test_three_ignored_messages_in_a_row_slow_down_contact():
    history = [sent(berlin(10, 20), engaged=False), sent(berlin(11, 1), engaged=False)]
    history.append(sent(berlin(11, 13), engaged=False))
    decision = ask(recent_sends=history)
    assert (decision.outcome, decision.rule) == (Outcome.SUPPRESS, Rule.IGNORED_BACK_OFF)
    assert decision.params == {"count": 3, "days": 30}


def test_after_the_back_off_period_one_message_may_try_again():
    history = [sent(berlin(10, 1), engaged=False), sent(berlin(10, 15), engaged=False)]
    history.append(sent(berlin(11, 1), engaged=False))
    assert_sent(ask(recent_sends=history))


def test_one_reaction_ends_the_back_off():
    history = [sent(berlin(10, 20), engaged=False), sent(berlin(11, 1), engaged=True)]
    history.append(sent(berlin(11, 13), engaged=False))
    assert_sent(ask(recent_sends=history))


def test_unknown_engagement_is_not_counted_as_ignored():
    history = [sent(berlin(10, 20)), sent(berlin(11, 1)), sent(berlin(11, 13))]
    assert_sent(ask(recent_sends=history))


def test_messages_too_young_to_judge_do_not_count_as_ignored():
    # Two ignored, the third sent three days ago has not had its chance yet.
    history = [sent(berlin(10, 20), engaged=False), sent(berlin(11, 1), engaged=False)]
    history.append(sent(berlin(11, 30), engaged=False))
    assert_sent(ask(recent_sends=history))


def test_delay_that_would_end_in_the_back_off_is_a_suppression_now():
    # Today only two ignored messages are old enough to judge; by the end of the gap (4 December
    # 10:00) the one of 26 November is too, and three ignored in a row mean back-off.
    history = [sent(berlin(11, 10), engaged=False), sent(berlin(11, 20), engaged=False)]
    history += [sent(berlin(11, 26, 12), engaged=False), sent(berlin(12, 2))]
    decision = ask(Purpose.RECOMMENDATION, recent_sends=history)
    assert (decision.outcome, decision.rule) == (Outcome.SUPPRESS, Rule.IGNORED_BACK_OFF)


# --- lifecycle -----------------------------------------------------------------------------


def test_inactive_customer_gets_one_message_a_month():
    recent = ask(lifecycle=Lifecycle.INACTIVE, recent_sends=[sent(berlin(11, 23))])
    assert (recent.outcome, recent.rule) == (Outcome.SUPPRESS, Rule.INACTIVE_CUSTOMER)
    assert_sent(ask(lifecycle=Lifecycle.INACTIVE, recent_sends=[sent(berlin(10, 23))]))


def test_former_customer_gets_one_message_a_quarter():
    recent = ask(
        Purpose.REACTIVATION, lifecycle=Lifecycle.FORMER, recent_sends=[sent(berlin(10, 4))]
    )
    assert (recent.outcome, recent.rule) == (Outcome.SUPPRESS, Rule.FORMER_CUSTOMER)
    assert recent.params == {"days": 90}
    long_ago = [sent(berlin(8, 25))]
    assert_sent(ask(Purpose.REACTIVATION, lifecycle=Lifecycle.FORMER, recent_sends=long_ago))


# --- rules together ------------------------------------------------------------------------


def test_holds_win_over_quiet_hours():
    decision = ask(at=berlin(12, 3, 22), holds=[ContactHold(HoldKind.OPEN_CASE, berlin(12, 1))])
    assert (decision.outcome, decision.rule) == (Outcome.SUPPRESS, Rule.OPEN_CASE)


def test_gap_ending_in_the_evening_delays_until_the_next_morning():
    decision = ask(Purpose.RECOMMENDATION, recent_sends=[sent(berlin(12, 1, 21))])
    assert (decision.outcome, decision.rule) == (Outcome.DELAY, Rule.MINIMUM_GAP)
    assert decision.send_at == berlin(12, 4, 8)


def test_the_limit_that_frees_up_last_decides():
    # Weekly limit frees 4 December 12:00, the gap on 5 December 09:00: the gap binds.
    history = [sent(berlin(11, 27, 12)), sent(berlin(12, 3, 9))]
    decision = ask(Purpose.REACTIVATION, recent_sends=history)
    assert (decision.rule, decision.send_at) == (Rule.MINIMUM_GAP, berlin(12, 5, 9))


def test_wait_longer_than_the_maximum_delay_drops_the_message():
    history = [sent(berlin(11, 30)), sent(berlin(12, 1, 9))]  # frees 7 December 10:00
    decision = ask(Purpose.RECOMMENDATION, recent_sends=history)
    assert (decision.outcome, decision.rule) == (Outcome.SUPPRESS, Rule.WEEKLY_LIMIT)


def test_back_off_before_limits():
    history = [sent(berlin(11, 5), engaged=False), sent(berlin(11, 12), engaged=False)]
    history.append(sent(berlin(12, 2), engaged=False))
    history.insert(2, sent(berlin(11, 20), engaged=False))
    decision = ask(recent_sends=history)
    assert decision.rule is Rule.IGNORED_BACK_OFF


# --- reasons in the viewer's language ------------------------------------------------------


def test_reasons_are_german_for_german_staff():
    held = ask(holds=[ContactHold(HoldKind.OPEN_CASE, berlin(12, 1))])
    delayed = ask(at=berlin(12, 3, 21, 30))
    with translation.override("de"):
        assert held.reason == "Zurückgehalten: Die Person hat einen offenen Servicefall."
        assert delayed.reason == (
            "Verschoben bis 04.12.2026 08:00: Ruhezeit von 20:00 bis 08:00 in der Zeitzone der "
            "Person."
        )


# --- bad input -----------------------------------------------------------------------------


def test_unknown_purpose_is_refused():
    with pytest.raises(GovernorError, match="unknown purpose"):
        decide(SendRequest(purpose="spam", at=NOW))


def test_naive_times_are_refused():
    with pytest.raises(GovernorError, match="time-zone aware"):
        decide(SendRequest(Purpose.NEWSLETTER, datetime(2026, 12, 3, 10)))
    with pytest.raises(GovernorError, match="time-zone aware"):
        decide(SendRequest(Purpose.NEWSLETTER, NOW, recent_sends=[sent(datetime(2026, 12, 1))]))


def test_nonsense_settings_are_refused():
    with pytest.raises(GovernorError, match="zero or more"):
        GovernorSettings(max_promotional_per_7_days=-1)
    with pytest.raises(GovernorError, match="must not be negative"):
        GovernorSettings(minimum_gap=timedelta(hours=-1))


# --- storing decisions ---------------------------------------------------------------------


def test_stored_decision_explains_itself_again():
    decision = ask(
        Purpose.RECOMMENDATION, recent_sends=[sent(berlin(12, 1, 21))], time_zone="Europe/Berlin"
    )
    record = decision.as_record()
    assert record == {
        "outcome": "delay",
        "rule": "minimum_gap",
        "send_at": "2026-12-04T08:00:00+01:00",
        "params": {"until": "2026-12-04T08:00:00+01:00", "hours": 48},
        "time_zone": "Europe/Berlin",
    }
    again = type(decision).from_record(record)
    assert again == decision
    assert again.reason == decision.reason


def test_rules_have_labels_for_reports():
    assert Rule.WEEKLY_LIMIT.label == "Weekly limit"
    assert Outcome.SUPPRESS.label == "Held back"
    assert dict(Rule.choices)["quiet_hours"] == "Quiet hours"
