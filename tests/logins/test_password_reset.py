"""Password reset by e-mail for staff, in German and English; forged, replayed and expired
links are refused clearly and recorded. The mail goes out from a queued task after the answer
(the same answer and the same work for a known and an unknown address), and requests are
limited per address and per client, refusals recorded beside the lockouts."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from stammkunde.logins.models import SecurityEvent, SecurityEventKind
from tests.factories import PASSWORD, make_staff_user

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Kaffeebohne-Mühle-42"


@pytest.fixture
def anna(db):
    user = make_staff_user("anna", role="Service agent")
    user.email = "anna@roesterei.example"
    user.save()
    return user


def send_queued_mails() -> int:
    """Run the queued reset-mail tasks as the worker would; how many ran."""
    queued = list(DBTaskResult.objects.filter(task_path__endswith="send_password_reset"))
    for row in queued:
        row.task.call(*row.args_kwargs["args"], **row.args_kwargs["kwargs"])
        row.delete()
    return len(queued)


def request_link(client, email="anna@roesterei.example") -> str:
    response = client.post(reverse("ui:password-reset"), {"email": email})
    assert response.status_code == 302
    assert response["Location"] == reverse("ui:password-reset-sent")
    send_queued_mails()
    return re.search(r"https?://\S+/password-reset/\S+/\S+/", mail.outbox[-1].body)[0]


def test_a_reset_link_sets_a_new_password_once(client, anna):
    link = request_link(client)
    assert mail.outbox[-1].to == ["anna@roesterei.example"]
    assert mail.outbox[-1].subject == "Stammkunde: reset your password"
    path = urlsplit(link).path
    form = client.get(path, follow=True)
    assert form.status_code == 200
    assert "Choose a new password" in form.content.decode()
    done = client.post(
        form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert done["Location"] == reverse("ui:password-reset-done")
    login = Client().post(
        reverse("ui:login"), {"username": "anna", "password": NEW_PASSWORD}, REMOTE_ADDR="10.0.0.5"
    )
    assert login.status_code == 302

    replay = Client(HTTP_ACCEPT_LANGUAGE="en").get(path)
    assert replay.status_code == 400
    assert "already used, has expired or was changed" in replay.content.decode()
    kinds = list(SecurityEvent.objects.order_by("id").values_list("kind", "reason"))
    assert kinds == [
        (SecurityEventKind.RESET_REQUESTED, "sent"),
        (SecurityEventKind.RESET_DONE, ""),
        (SecurityEventKind.RESET_LINK_REFUSED, "forged_expired_or_used"),
    ]


@pytest.mark.parametrize("host", ["localhost", "evil.roesterei.example"])
def test_the_link_is_on_the_site_url_whatever_host_the_request_names(anna, host):
    """Host header poisoning: whoever asks for a reset chooses the request's Host; a link on
    that host would hand the victim's token to the attacker's server when clicked."""
    with override_settings(
        SITE_URL="https://crm.roesterei.example/stammkunde/",
        ALLOWED_HOSTS=["localhost", ".roesterei.example"],
    ):
        Client(HTTP_HOST=host).post(
            reverse("ui:password-reset"), {"email": "anna@roesterei.example"}
        )
        send_queued_mails()
    body = mail.outbox[-1].body
    links = re.findall(r"https?://\S+", body)
    assert len(links) == 1
    assert links[0].startswith("https://crm.roesterei.example/stammkunde/password-reset/")
    assert host not in body


def test_the_mail_speaks_german_to_a_german_browser(anna):
    german = Client(HTTP_ACCEPT_LANGUAGE="de")
    request_link(german)
    assert mail.outbox[-1].subject == "Stammkunde: Passwort zurücksetzen"
    assert "Passwort" in mail.outbox[-1].body


def test_a_forged_link_is_refused_and_recorded(client, anna):
    link = request_link(client)
    uid = link.rstrip("/").split("/")[-2]
    response = client.get(reverse("ui:password-reset-confirm", args=[uid, "abc-forged123"]))
    assert response.status_code == 400
    assert "This link does not work" in response.content.decode()
    bad_user = client.get(reverse("ui:password-reset-confirm", args=["Zm9v", "abc-def"]))
    assert bad_user.status_code == 400
    refused = SecurityEvent.objects.filter(kind=SecurityEventKind.RESET_LINK_REFUSED)
    assert sorted(refused.values_list("reason", flat=True)) == [
        "forged_expired_or_used",
        "unknown_user",
    ]


def test_an_expired_link_is_refused(client, anna):
    link = request_link(client)
    path = urlsplit(link).path
    with override_settings(PASSWORD_RESET_TIMEOUT=-1):
        response = client.get(path)
    assert response.status_code == 400


def test_an_unknown_address_gets_the_same_page_and_no_mail(client, anna):
    response = client.post(reverse("ui:password-reset"), {"email": "fremd@example.org"})
    assert response["Location"] == reverse("ui:password-reset-sent")
    assert send_queued_mails() == 1
    assert mail.outbox == []
    assert SecurityEvent.objects.get().reason == "unknown_address"


def test_known_and_unknown_addresses_get_one_answer_and_equal_work(anna):
    """Nothing is sent while the request runs: the answer, and the database work behind it,
    are the same whether the address belongs to a user or not (the timing tells nothing)."""
    answers, queries = [], []
    for number, email in enumerate(("anna@roesterei.example", "fremd@example.org")):
        client = Client(REMOTE_ADDR=f"10.0.1.{number}")
        with CaptureQueriesContext(connection) as captured:
            response = client.post(reverse("ui:password-reset"), {"email": email})
        queries.append(len(captured.captured_queries))
        page = client.get(response["Location"])
        # Each page has its own CSP nonce and CSRF token; the rest must be the same.
        content = re.sub(r"[A-Za-z0-9+/=_-]{32,}", "", page.content.decode())
        answers.append((response.status_code, response["Location"], content))
    assert answers[0] == answers[1]
    assert queries[0] == queries[1]
    assert mail.outbox == []  # the worker sends, after the answer
    assert send_queued_mails() == 2
    assert [message.to for message in mail.outbox] == [["anna@roesterei.example"]]


def _ask(email: str, address: str):
    return Client(REMOTE_ADDR=address, HTTP_ACCEPT_LANGUAGE="en").post(
        reverse("ui:password-reset"), {"email": email}
    )


def test_requests_for_one_address_are_limited_and_recorded(anna):
    for number in range(3):
        assert _ask("Anna@roesterei.example", f"10.0.2.{number}").status_code == 302
    refused = _ask("anna@roesterei.example", "10.0.2.9")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "Too many reset requests" in refused.content.decode()
    assert send_queued_mails() == 3
    event = SecurityEvent.objects.get(kind=SecurityEventKind.RESET_THROTTLED)
    assert (event.username, event.ip_address) == ("anna@roesterei.example", "10.0.2.9")
    # an unknown address is limited the same way (the limit says nothing about existence)
    for number in range(3):
        assert _ask("fremd@example.org", f"10.0.3.{number}").status_code == 302
    assert _ask("fremd@example.org", "10.0.3.9").status_code == 429


def test_requests_from_one_client_are_limited(anna):
    for number in range(10):
        assert _ask(f"probe{number}@example.org", "10.0.4.1").status_code == 302
    assert _ask("anna@roesterei.example", "10.0.4.1").status_code == 429
    assert _ask("anna@roesterei.example", "10.0.4.2").status_code == 302


def test_refused_requests_are_shown_with_the_lockouts(anna):
    for number in range(4):
        _ask("anna@roesterei.example", f"10.0.5.{number}")
    german = Client(HTTP_ACCEPT_LANGUAGE="de")
    german.force_login(make_staff_user("root", role="Admin"))
    page = german.get(reverse("ui:lockout-list")).content.decode()
    assert "Passwort-Zurücksetzen abgelehnt: zu viele Anfragen" in page
    assert "10.0.5.3" in page


def test_a_reset_does_not_skip_the_second_factor(anna):
    assert PASSWORD  # the old password is replaced below; the factor stays asked for
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.create(user=anna, name="Authenticator", confirmed=True)
    client = Client()
    link = request_link(client)
    form = client.get(urlsplit(link).path, follow=True)
    client.post(
        form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    client.post(reverse("ui:login"), {"username": "anna", "password": NEW_PASSWORD})
    response = client.get(reverse("ui:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("ui:two-factor-verify"))


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's EXPLAIN QUERY PLAN")
def test_the_throttle_counts_by_index_not_by_scanning_the_events():
    from datetime import timedelta

    from django.utils import timezone

    from stammkunde.logins.services import _reset_wait

    with CaptureQueriesContext(connection) as queries:
        _reset_wait("anna@roesterei.example", "10.0.5.1", timezone.now() + timedelta(seconds=1))
    counts = [query["sql"] for query in queries.captured_queries if "SELECT" in query["sql"]]
    assert len(counts) == 2
    plans = []
    with connection.cursor() as cursor:
        for sql in counts:
            cursor.execute("EXPLAIN QUERY PLAN " + sql)
            plans.append(" ".join(str(row[-1]) for row in cursor.fetchall()))
    assert "INDEX security_event_kind_user (kind=? AND username=? AND at>?)" in plans[0]
    assert "INDEX security_event_kind_ip (kind=? AND ip_address=? AND at>?)" in plans[1]
