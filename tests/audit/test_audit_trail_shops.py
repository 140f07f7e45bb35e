"""The audit trail of a customer shared by two shops, read by staff limited to one (issue 12):
who read or changed another shop's order, case, goodwill or mail is that shop's activity and
stays out of the 360 page's audit box and the audit-trail search, as the timeline leaves out
the matters themselves. Rows about the person stay; unlimited staff and the GDPR export see
every row."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from stammkunde.audit.models import AuditAction
from stammkunde.audit.queries import TrailFilter, audit_trail_for_customer, search_audit_trail
from stammkunde.audit.services import audit
from stammkunde.service.models import Case, Team
from stammkunde.shop.models import Order
from stammkunde.shop.services import limit_staff_to_shops
from tests.factories import make_staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def trail(two_shops):
    """Clara's trail: Bernd read shop B's order, Dora a case in shop B's team, Karl a case in
    shop A's team, Carla Clara's profile. Lea leads shop A's desk (limited to shop A)."""
    clara = two_shops["clara"]
    tee_desk = Team.objects.create(name="Tee-Desk", slug="tee-desk", shop=two_shops["b"])
    kaffee_desk = Team.objects.create(name="Kaffee-Desk", slug="kaffee-desk", shop=two_shops["a"])
    cases = [
        Case.objects.create(
            reference=reference, customer=clara, team=team, subject="x", opened_at=timezone.now()
        )
        for reference, team in (("SK-T", tee_desk), ("SK-K", kaffee_desk))
    ]
    for name, obj in (
        ("bernd", Order.objects.get(number="B-2002")),
        ("dora", cases[0]),
        ("karl", cases[1]),
        ("carla", clara),
    ):
        audit(
            actor=make_staff_user(name, role="Service agent"),
            action=AuditAction.VIEW,
            obj=obj,
            customer_id=clara.pk,
        )
    lea = make_staff_user("lea", role="Team lead")
    limit_staff_to_shops(lea, [two_shops["a"].pk], by=None)
    return {"clara": clara, "lea": lea}


def _actors(entries) -> set[str]:
    return {entry.actor_label for entry in entries}


def test_the_trail_leaves_out_other_shops_activity_for_limited_staff(trail, team_lead):
    clara, lea = trail["clara"], trail["lea"]
    assert {"karl", "carla"} <= _actors(audit_trail_for_customer(clara.pk, by=lea))
    assert not {"bernd", "dora"} & _actors(audit_trail_for_customer(clara.pk, by=lea))
    everyone = {"bernd", "dora", "karl", "carla"}
    assert everyone <= _actors(audit_trail_for_customer(clara.pk, by=team_lead))
    assert everyone <= _actors(audit_trail_for_customer(clara.pk))  # the GDPR export


def test_the_360_pages_audit_box_leaves_out_other_shops_activity(client, trail):
    client.force_login(trail["lea"])
    html = client.get(reverse("ui:customer-detail", args=[trail["clara"].pk])).content.decode()
    box = html.split('id="audit-trail"', 1)[1].split("</section>", 1)[0]
    assert "carla" in box and "karl" in box
    assert "bernd" not in box and "dora" not in box


def test_the_audit_trail_search_leaves_out_other_shops_activity(trail):
    lea = trail["lea"]
    found = search_audit_trail(TrailFilter(customer_id=trail["clara"].pk), by=lea)
    assert {"karl", "carla"} <= _actors(found)
    assert not {"bernd", "dora"} & _actors(found)


@pytest.fixture
def lists_and_staff(trail, two_shops):
    """Bert (limited to shop B) searched and listed Clara among others, and read Clara's
    profile; Anke (limited to shop A) and Zoe (unlimited) read it too."""
    clara = trail["clara"]
    bert = make_staff_user("bert-b", role="Team lead")
    limit_staff_to_shops(bert, [two_shops["b"].pk], by=None)
    anke = make_staff_user("anke-a", role="Service agent")
    limit_staff_to_shops(anke, [two_shops["a"].pk], by=None)
    zoe = make_staff_user("zoe", role="Team lead")
    others = [two_shops["bruno"].pk, clara.pk]
    audit(
        actor=bert,
        action=AuditAction.VIEW,
        object_type="customers.customer",
        customer_ids=others,
        detail="Tee-Kunden Suche",
    )
    for user in (bert, anke, zoe):
        audit(actor=user, action=AuditAction.VIEW, obj=clara, customer_id=clara.pk)
    return {**trail, "bert": bert}


def test_limited_staff_see_no_list_that_merely_named_the_customer(lists_and_staff, team_lead):
    clara, lea = lists_and_staff["clara"], lists_and_staff["lea"]
    details = {entry.detail for entry in audit_trail_for_customer(clara.pk, by=lea)}
    assert "Tee-Kunden Suche" not in details
    found = search_audit_trail(TrailFilter(customer_id=clara.pk), by=lea)
    assert "Tee-Kunden Suche" not in {entry.detail for entry in found}
    everything = audit_trail_for_customer(clara.pk, by=team_lead)
    assert "Tee-Kunden Suche" in {entry.detail for entry in everything}
    assert "Tee-Kunden Suche" in {entry.detail for entry in audit_trail_for_customer(clara.pk)}


def test_limited_staff_do_not_learn_the_names_of_other_shops_staff(
    client, lists_and_staff, team_lead
):
    clara, lea = lists_and_staff["clara"], lists_and_staff["lea"]
    client.force_login(lea)
    html = client.get(reverse("ui:customer-detail", args=[clara.pk])).content.decode()
    box = html.split('id="audit-trail"', 1)[1].split("</section>", 1)[0]
    assert "bert-b" not in box
    assert "a colleague of another shop" in box
    assert "anke-a" in box and "zoe" in box  # a colleague of shop A, an unlimited one
    found = search_audit_trail(TrailFilter(customer_id=clara.pk), by=lea)
    assert "bert-b" not in _actors(found)
    client.force_login(team_lead)
    html = client.get(reverse("ui:customer-detail", args=[clara.pk])).content.decode()
    assert "bert-b" in html.split('id="audit-trail"', 1)[1].split("</section>", 1)[0]


def test_the_timeline_names_no_staff_member_of_another_shop(client, lists_and_staff, team_lead):
    """A note about Clara herself by shop B's lead stays on her timeline for shop A, without
    its author's name; the start page's newest entries likewise."""
    from stammkunde.customers.services.contacts import add_note

    clara, lea = lists_and_staff["clara"], lists_and_staff["lea"]
    add_note(clara, by=lists_and_staff["bert"], text="Clara mag Darjeeling")
    client.force_login(lea)
    html = client.get(reverse("ui:customer-detail", args=[clara.pk])).content.decode()
    timeline = html.split('id="audit-trail"', 1)[0]
    assert "Darjeeling" in timeline
    assert "Bert-B" not in html and "bert-b" not in html  # the timeline names the full name
    assert "a colleague of another shop" in timeline
    home = client.get(reverse("ui:home")).content.decode()
    assert "Darjeeling" in home and "Bert-B" not in home
    client.force_login(team_lead)
    html = client.get(reverse("ui:customer-detail", args=[clara.pk])).content.decode()
    assert "Bert-B" in html.split('id="audit-trail"', 1)[0]
