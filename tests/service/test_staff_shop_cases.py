"""A case of shop X (issue 12, ``service/staff_scope.py``): a case is about its orders' shops
and the shop its team serves; one with neither is about the person. Clara bought in shop A and
shop B; the agent is limited to shop A. Of Clara's cases the agent sees the one in shop A's
team and the one about Clara herself, and never those about shop B's order or in shop B's team
(where the mail for shop B lands): not in the queue, its counts, the case page, its mail frame,
its actions, a merge by reference, the breach alerts, goodwill, the service report, the inbound
mail and its files, nor the 360 page's history. Unlimited staff see all four."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from stammkunde.audit.models import AuditAction, AuditEntry
from stammkunde.service.alert_queries import breach_alert_count, breach_alerts
from stammkunde.service.case_queries import QueueFilter, case_queue, queue_counts
from stammkunde.service.intake.queries import inbound_mail, inbound_mails
from stammkunde.service.models import (
    Case,
    CaseMessage,
    GoodwillGrant,
    GoodwillStatus,
    InboundMail,
    Team,
)
from stammkunde.service.queries import goodwill_of_customer, goodwill_to_decide, pending_goodwill
from stammkunde.service.report_queries import service_report
from stammkunde.service.services.case_common import record_case_activity
from stammkunde.shop.models import Order
from stammkunde.timeline.models import ActivityKind

pytestmark = pytest.mark.django_db

OURS = ("SK-A-TEAM", "SK-PERSON")
THEIRS = ("SK-B-ORDER", "SK-B-TEAM")


@pytest.fixture
def desk(two_shops, agent):
    """Clara's four cases, each with an inbound mail filed in it and a pending goodwill."""
    clara = two_shops["clara"]
    team_a = Team.objects.create(name="Kaffee-Desk", slug="kaffee-desk", shop=two_shops["a"])
    team_b = Team.objects.create(name="Tee-Desk", slug="tee-desk", shop=two_shops["b"])
    now = timezone.now()
    cases = {}
    for reference, team, order in (
        ("SK-A-TEAM", team_a, None),
        ("SK-PERSON", None, None),
        ("SK-B-ORDER", None, "B-2002"),
        ("SK-B-TEAM", team_b, None),
    ):
        case = Case.objects.create(
            reference=reference,
            customer=clara,
            team=team,
            assignee=agent,
            subject=f"Frage {reference}",
            opened_at=now - timedelta(hours=3),
            breach_warned_at=now - timedelta(minutes=5),
        )
        if order:
            case.orders.add(Order.objects.get(number=order))
        record_case_activity(
            case, ActivityKind.CASE_OPENED, by=None, params={"subject": case.subject}
        )
        mail = InboundMail.objects.create(
            source="raw",
            raw=b"Subject: x\r\n\r\nx",
            received_at=now,
            state="filed",
            customer=clara,
            subject=f"Mail {reference}",
        )
        CaseMessage.objects.create(
            case=case,
            direction="inbound",
            subject=f"Mail {reference}",
            body_text="Hallo",
            body_html="<p>Hallo</p>",
            inbound_mail=mail,
            created_at=now,
        )
        GoodwillGrant.objects.create(
            customer=clara,
            case=case,
            kind="voucher",
            amount=Decimal("10.00"),
            reason=f"Kulanz {reference}",
            status=GoodwillStatus.PENDING,
            requested_at=now,
        )
        cases[reference] = case
    return cases


def _refused(user, case) -> bool:
    return AuditEntry.objects.filter(
        actor=user, action=AuditAction.REFUSE, object_id=str(case.pk)
    ).exists()


def test_the_queue_and_its_counts_show_only_the_shops_cases(agent, team_lead, desk):
    shown = {row.case.reference for row in case_queue(by=agent, filters=QueueFilter(view="all"))}
    assert shown == set(OURS)
    assert queue_counts(by=agent)["all"] == 2
    assert queue_counts(by=agent)["mine"] == 2
    everything = case_queue(by=team_lead, filters=QueueFilter(view="all"))
    assert {row.case.reference for row in everything} == set(OURS + THEIRS)


def test_the_queue_page_and_text_search_leave_out_other_shops_cases(client, agent, desk):
    client.force_login(agent)
    html = client.get(reverse("ui:case-queue"), {"view": "all"}).content.decode()
    assert all(reference in html for reference in OURS)
    assert not [reference for reference in THEIRS if reference in html]
    searched = QueueFilter(view="all", text="SK-B-TEAM")
    assert case_queue(by=agent, filters=searched) == []


@pytest.mark.parametrize("reference", THEIRS)
def test_another_shops_case_is_404_on_every_page_and_action(client, agent, desk, reference):
    case = desk[reference]
    message = case.messages.get()
    client.force_login(agent)
    assert client.get(reverse("ui:case-detail", args=[case.pk])).status_code == 404
    frame = reverse("ui:case-message-html", args=[case.pk, message.pk])
    assert client.get(frame).status_code == 404
    note = client.post(reverse("ui:case-note", args=[case.pk]), {"body": "Notiz"})
    assert note.status_code == 404
    assert case.messages.count() == 1
    assert _refused(agent, case)


def test_our_shops_cases_open(client, agent, desk):
    client.force_login(agent)
    for reference in OURS:
        assert client.get(reverse("ui:case-detail", args=[desk[reference].pk])).status_code == 200


def test_a_case_is_not_merged_into_another_shops_case_by_its_reference(client, agent, desk):
    ours, theirs = desk["SK-A-TEAM"], desk["SK-B-TEAM"]
    client.force_login(agent)
    client.post(reverse("ui:case-merge", args=[ours.pk]), {"into": theirs.reference})
    ours.refresh_from_db()
    assert ours.merged_into_id is None
    assert _refused(agent, theirs)


def test_breach_alerts_name_only_the_shops_cases(agent, desk):
    assert {case.reference for case in breach_alerts(by=agent)} == set(OURS)
    assert breach_alert_count(agent) == 2


def test_goodwill_of_other_shops_cases_is_not_shown_nor_decided(agent, team_lead, desk):
    reasons = {grant.reason for grant in pending_goodwill(by=agent)}
    assert reasons == {"Kulanz SK-A-TEAM", "Kulanz SK-PERSON"}
    clara_id = desk["SK-B-TEAM"].customer_id
    assert {g.reason for g in goodwill_of_customer(clara_id, by=agent)} == reasons
    theirs = GoodwillGrant.objects.get(case=desk["SK-B-TEAM"])
    assert goodwill_to_decide(theirs.pk, by=agent) is None
    assert goodwill_to_decide(theirs.pk, by=team_lead) == theirs
    assert len(pending_goodwill(by=team_lead)) == 4


def test_the_service_report_counts_only_the_shops_cases(agent, team_lead, desk):
    since = timezone.now() - timedelta(days=1)
    assert service_report(since=since, by=agent).per_team == {"Kaffee-Desk": 1, "\u2013": 1}
    assert sum(service_report(since=since, by=team_lead).per_team.values()) == 4


def test_mail_filed_in_another_shops_case_is_not_listed_nor_opened(agent, team_lead, desk):
    subjects = {mail.subject for mail in inbound_mails(state="", offset=0, limit=50, by=agent)}
    assert subjects == {"Mail SK-A-TEAM", "Mail SK-PERSON"}
    theirs = InboundMail.objects.get(subject="Mail SK-B-TEAM")
    assert inbound_mail(theirs.pk, by=agent) is None
    assert inbound_mail(theirs.pk, by=team_lead) == theirs


def test_the_360_page_leaves_out_the_cases_of_another_shops_team(client, agent, desk):
    client.force_login(agent)
    clara = desk["SK-B-TEAM"].customer
    html = client.get(reverse("ui:customer-detail", args=[clara.pk])).content.decode()
    assert "Frage SK-A-TEAM" in html
    assert "SK-B-TEAM" not in html


def test_the_voucher_export_holds_only_the_vouchers_of_the_shops_goodwill(agent, desk):
    """Clara is a customer of both shops: a limited user exports (and marks) the vouchers of
    the goodwill in shop A's case and in the case about Clara, not those of shop B's cases,
    nor a voucher issued for shop B; an unlimited user exports the rest."""
    from stammkunde.shop.models import Shop, Voucher
    from stammkunde.shop.services.vouchers import export_vouchers, issue_voucher

    codes = {}
    for reference, case in desk.items():
        grant = GoodwillGrant.objects.get(case=case)
        grant.voucher = issue_voucher(
            amount=grant.amount,
            customer_id=grant.customer_id,
            source_type="goodwill",
            source_id=grant.pk,
        )
        grant.save(update_fields=["voucher"])
        codes[reference] = grant.voucher.code
    for_b = issue_voucher(
        amount=Decimal("5"),
        customer_id=desk["SK-PERSON"].customer_id,
        source_type="",
        source_id=None,
    )
    Voucher.objects.filter(pk=for_b.pk).update(shop=Shop.objects.get(slug="tee-b"))

    text, count = export_vouchers(by=agent)
    assert count == 2
    assert all(codes[reference] in text for reference in OURS)
    assert not [reference for reference in THEIRS if codes[reference] in text]
    assert for_b.code not in text
    exported = set(Voucher.objects.filter(exported_at__isnull=False).values_list("code", flat=True))
    assert exported == {codes[reference] for reference in OURS}


@pytest.mark.parametrize("reference", THEIRS)
def test_goodwill_is_not_recorded_in_another_shops_case(client, agent, desk, reference):
    """The goodwill form takes its case from ?case=: another shop's case of a customer of
    both shops showed its reference and had the grant recorded in it."""
    case = desk[reference]
    page = reverse("ui:goodwill-new", args=[case.customer_id]) + f"?case={case.pk}"
    client.force_login(agent)
    assert client.get(page).status_code == 404
    posted = client.post(page, {"kind": "voucher", "amount": "5", "reason": "Kulanz"})
    assert posted.status_code == 404
    assert not GoodwillGrant.objects.filter(case=case, requested_by=agent).exists()
    assert _refused(agent, case)


def test_goodwill_in_our_shops_case_and_a_malformed_case_id(client, agent, desk):
    case = desk["SK-A-TEAM"]
    page = reverse("ui:goodwill-new", args=[case.customer_id])
    client.force_login(agent)
    assert client.get(page + f"?case={case.pk}").status_code == 200
    assert client.get(page + "?case=abc").status_code == 404
