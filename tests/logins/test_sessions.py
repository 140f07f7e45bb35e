"""The session engine (logins/sessions.py): Django's database sessions with a compiled read."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from stammkunde.logins.sessions import SessionStore

pytestmark = pytest.mark.django_db


def test_a_saved_session_is_read_back():
    store = SessionStore()
    store["basket"] = "Espresso"
    store.save()

    again = SessionStore(store.session_key)

    assert again["basket"] == "Espresso"
    assert again.session_key == store.session_key


def test_an_expired_session_is_empty_and_its_key_forgotten():
    store = SessionStore()
    store["basket"] = "Espresso"
    store.save()
    Session.objects.filter(pk=store.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )

    again = SessionStore(store.session_key)

    assert again.load() == {}
    assert again.session_key is None


def test_an_unknown_key_is_empty():
    assert SessionStore("x" * 32).load() == {}


def test_staff_pages_use_it(client, agent):
    client.force_login(agent)

    response = client.get(reverse("ui:customer-list"))

    assert settings.SESSION_ENGINE == "stammkunde.logins.sessions"
    assert response.status_code == 200
    assert Session.objects.filter(pk=client.session.session_key).exists()
