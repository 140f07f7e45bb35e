"""Staff limited to shops (issue 12): an agent limited to shop A sees shop A's customers,
orders and cases on the main pages, and other shops' as if they did not exist (404 and a
REFUSE audit row). ``tests/ui/test_access.py`` walks every page about one customer."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from stammkunde.audit.models import AuditAction, AuditEntry
from stammkunde.customers.duplicates import merge_preview
from stammkunde.service.models import Case
from stammkunde.shop.services import limit_staff_to_shops
from stammkunde.shop.visibility import staff_shop_ids

pytestmark = pytest.mark.django_db


def _case(customer, reference):
    return Case.objects.create(
        reference=reference,
        customer=customer,
        subject=f"Frage {reference}",
        opened_at=timezone.now(),
    )


def _refused(user) -> bool:
    return AuditEntry.objects.filter(actor=user, action=AuditAction.REFUSE).exists()


def test_the_customer_list_shows_only_the_shops_customers(client, agent, two_shops):
    client.force_login(agent)
    html = client.get(reverse("ui:customer-list")).content.decode()
    assert "Ahorn" in html and "Cedernholz" in html and "Akazienweg" in html
    assert "Birkenfeld" not in html


def test_search_finds_only_the_shops_customers(client, agent, team_lead, two_shops):
    client.force_login(agent)
    assert (
        "Birkenfeld"
        not in client.get(reverse("ui:customer-list"), {"q": "bruno@example.de"}).content.decode()
    )
    assert (
        "Birkenfeld"
        not in client.get(reverse("ui:customer-list"), {"q": "B-2001"}).content.decode()
    )
    assert "Ahorn" in client.get(reverse("ui:customer-list"), {"q": "A-1001"}).content.decode()
    # without a limit the same search finds Bruno (the search itself works)
    client.force_login(team_lead)
    assert (
        "Birkenfeld"
        in client.get(reverse("ui:customer-list"), {"q": "bruno@example.de"}).content.decode()
    )


def test_another_shops_customer_is_404_with_a_refuse_row(client, agent, two_shops):
    client.force_login(agent)
    bruno = two_shops["bruno"]
    assert client.get(reverse("ui:customer-detail", args=[bruno.pk])).status_code == 404
    assert AuditEntry.objects.filter(
        actor=agent, action=AuditAction.REFUSE, object_id=str(bruno.pk)
    ).exists()
    assert not AuditEntry.objects.filter(
        actor=agent, action=AuditAction.VIEW, customer_id=bruno.pk
    ).exists()


def test_a_customer_of_both_shops_shows_only_this_shops_orders(client, agent, team_lead, two_shops):
    client.force_login(agent)
    response = client.get(reverse("ui:customer-detail", args=[two_shops["clara"].pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "A-1002" in html
    assert "B-2002" not in html
    assert not _refused(agent)
    client.force_login(team_lead)
    html = client.get(reverse("ui:customer-detail", args=[two_shops["clara"].pk])).content.decode()
    assert "A-1002" in html and "B-2002" in html


def test_an_account_without_orders_makes_a_customer_the_shops(client, agent, two_shops):
    client.force_login(agent)
    assert (
        client.get(reverse("ui:customer-detail", args=[two_shops["anton"].pk])).status_code == 200
    )


def test_case_queue_and_case_page_show_only_the_shops_cases(client, agent, two_shops):
    own = _case(two_shops["alma"], "VG-71001")
    other = _case(two_shops["bruno"], "VG-71002")
    client.force_login(agent)
    html = client.get(reverse("ui:case-queue"), {"view": "all"}).content.decode()
    assert "VG-71001" in html
    assert "VG-71002" not in html
    assert client.get(reverse("ui:case-detail", args=[own.pk])).status_code == 200
    assert client.get(reverse("ui:case-detail", args=[other.pk])).status_code == 404
    assert _refused(agent)
    # an action on the other shop's case is refused the same way, and changes nothing
    response = client.post(reverse("ui:case-note", args=[other.pk]), {"body": "Notiz"})
    assert response.status_code == 404
    assert not other.messages.exists()


def test_the_start_page_shows_only_the_shops_newest_entries(client, agent, two_shops):
    client.force_login(agent)
    html = client.get(reverse("ui:home")).content.decode()
    assert "Alma mag Espresso" in html
    assert "Bruno mag Earl Grey" not in html


def test_merge_preview_with_another_shops_customer_is_refused(agent, two_shops):
    assert merge_preview(two_shops["alma"].pk, two_shops["bruno"].pk, by=agent) is None
    assert _refused(agent)
    assert merge_preview(two_shops["alma"].pk, two_shops["anton"].pk, by=agent) is not None


def test_setting_and_lifting_a_limit_is_audited(agent, team_lead, two_shops):
    limit_staff_to_shops(agent, [two_shops["a"].pk, two_shops["b"].pk], by=team_lead)
    changed = AuditEntry.objects.get(actor=team_lead, action=AuditAction.CHANGE)
    assert changed.object_type == "shop.staffshoplimit"
    fresh = type(agent).objects.get(pk=agent.pk)
    assert staff_shop_ids(fresh) == {two_shops["a"].pk, two_shops["b"].pk}
    limit_staff_to_shops(agent, None, by=team_lead)
    assert AuditEntry.objects.filter(actor=team_lead, action=AuditAction.DELETE).exists()
    assert staff_shop_ids(type(agent).objects.get(pk=agent.pk)) is None
    assert staff_shop_ids(agent) is None  # the service forgets what the object had read


def test_a_superuser_is_never_limited(django_user_model, two_shops):
    root = django_user_model.objects.create_superuser("root", "r@example.de", "x")
    limit_staff_to_shops(root, [two_shops["a"].pk], by=None)
    assert staff_shop_ids(root) is None
