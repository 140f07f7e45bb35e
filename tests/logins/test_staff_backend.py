"""StaffBackend (logins/backends.py): the user's permissions, two-factor facts and shop limit
are read with the user once per request, and a change takes effect on the next request."""

from __future__ import annotations

import pytest
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from stammkunde.logins.backends import HAS_AUTHENTICATOR, TWO_FACTOR_REQUIRED, StaffBackend
from stammkunde.logins.models import RoleSecurity
from stammkunde.shop.models import Shop
from stammkunde.shop.services import limit_staff_to_shops
from stammkunde.shop.visibility import LIMIT_ATTRIBUTE, staff_shop_ids
from tests.factories import CustomerFactory, OrderFactory

pytestmark = pytest.mark.django_db


def test_the_user_comes_with_its_facts_in_one_query(agent):
    with CaptureQueriesContext(connection) as captured:
        user = StaffBackend().get_user(agent.pk)
    assert len(captured.captured_queries) == 1
    assert getattr(user, HAS_AUTHENTICATOR) is False
    assert getattr(user, TWO_FACTOR_REQUIRED) is False
    assert getattr(user, LIMIT_ATTRIBUTE) == 0


def test_preloaded_facts_match_the_database(agent, shop):
    TOTPDevice.objects.create(user=agent, name="phone", confirmed=True)
    RoleSecurity.objects.create(group=agent.groups.first(), require_two_factor=True)
    limit = limit_staff_to_shops(agent, [shop.pk], by=None)
    user = StaffBackend().get_user(agent.pk)
    assert getattr(user, HAS_AUTHENTICATOR) is True
    assert getattr(user, TWO_FACTOR_REQUIRED) is True
    assert getattr(user, LIMIT_ATTRIBUTE) == limit.pk
    with CaptureQueriesContext(connection) as captured:
        assert staff_shop_ids(user) == frozenset({shop.pk})
    assert len(captured.captured_queries) == 1  # the limit's shops, not the limit again


def test_permissions_are_djangos_in_one_query(agent):
    own = Permission.objects.get(codename="view_audit_trail")
    agent.user_permissions.add(own)
    fresh = StaffBackend().get_user(agent.pk)
    with CaptureQueriesContext(connection) as captured:
        found = StaffBackend().get_all_permissions(fresh)
    assert len(captured.captured_queries) == 1
    assert found == ModelBackend().get_all_permissions(StaffBackend().get_user(agent.pk))
    assert "customers.view_audit_trail" in found
    assert "customers.view_customer" in found  # from the agent's group


def test_an_inactive_user_is_not_loaded_and_has_no_permissions(agent):
    agent.is_active = False
    agent.save()
    assert StaffBackend().get_user(agent.pk) is None
    assert StaffBackend().get_all_permissions(agent) == set()


def test_a_revoked_role_takes_effect_on_the_next_request(client, agent):
    client.force_login(agent)
    url = reverse("ui:customer-list")
    assert client.get(url).status_code == 200
    agent.groups.clear()
    assert client.get(url).status_code == 403


def test_a_role_newly_requiring_two_factors_takes_effect_on_the_next_request(client, agent):
    client.force_login(agent)
    url = reverse("ui:customer-list")
    assert client.get(url).status_code == 200
    RoleSecurity.objects.create(group=agent.groups.first(), require_two_factor=True)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("ui:two-factor-setup"))


def test_a_new_authenticator_is_asked_for_on_the_next_request(client, agent):
    client.force_login(agent)
    url = reverse("ui:customer-list")
    assert client.get(url).status_code == 200
    TOTPDevice.objects.create(user=agent, name="phone", confirmed=True)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("ui:two-factor-verify"))


def test_a_new_shop_limit_takes_effect_on_the_next_request(client, team_lead, shop):
    customer = CustomerFactory()
    OrderFactory(customer=customer, shop=shop)
    client.force_login(team_lead)
    url = reverse("ui:customer-detail", args=[customer.pk])
    assert client.get(url).status_code == 200
    other = Shop.objects.create(name="Zweitshop", slug="zweitshop-backend", platform="csv")
    limit_staff_to_shops(team_lead, [other.pk], by=None)
    assert client.get(url).status_code == 404


def test_a_user_group_without_roles_sees_nothing(client, agent):
    """A group without permissions adds none (the union of nothing)."""
    agent.groups.set([Group.objects.create(name="Nobody")])
    client.force_login(agent)
    assert client.get(reverse("ui:customer-list")).status_code == 403


def test_an_unknown_user_id_loads_no_user(agent):
    assert StaffBackend().get_user(agent.pk + 1000) is None
    assert StaffBackend().get_user(str(agent.pk)).pk == agent.pk  # the session keeps a string


def test_the_user_read_is_the_querysets(agent, shop):
    """The statement compiled once per process loads the same user, with the same facts of
    the same types, as the annotated queryset it was compiled from."""
    from stammkunde.logins.backends import _users_with_facts

    limit_staff_to_shops(agent, [shop.pk], by=None)
    TOTPDevice.objects.create(user=agent, name="phone", confirmed=True)
    loaded = StaffBackend().get_user(agent.pk)
    expected = _users_with_facts().get(pk=agent.pk)
    assert loaded.__dict__.keys() - {"_state"} == expected.__dict__.keys() - {"_state"}
    for name, value in expected.__dict__.items():
        if name != "_state":
            assert getattr(loaded, name) == value and type(getattr(loaded, name)) is type(value)
    assert loaded._state.db == expected._state.db and not loaded._state.adding
