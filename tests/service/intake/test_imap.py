"""Reading the service mailbox from a real Dovecot: each message stored once, marked only after
its row is committed, UID and UIDVALIDITY tracked."""

from __future__ import annotations

import pytest
from imapclient import IMAPClient

from stammkunde.service.intake import imap as imap_module
from stammkunde.service.intake.imap import MailboxConfig, fetch_mailbox
from stammkunde.service.models import InboundMail, InboundSource, MailboxCursor
from tests.service.intake.fixtures import raw

pytestmark = pytest.mark.django_db

NAMES = [
    "customer-de-utf7-outlook2000.eml",
    "reply-en-gmail-on-date-wrote.eml",
    "bounce-postfix-user-unknown.eml",
]


@pytest.fixture
def mailbox(dovecot):
    client = IMAPClient("127.0.0.1", port=dovecot.port, ssl=False, timeout=30)
    client.login(dovecot.user, dovecot.password)
    client.select_folder("INBOX")
    client.delete_messages(client.search(["ALL"]))
    client.expunge()
    MailboxCursor.objects.all().delete()
    yield client
    client.logout()


def _config(dovecot) -> MailboxConfig:
    return MailboxConfig("127.0.0.1", dovecot.port, dovecot.user, dovecot.password)


def _seen(client) -> list[int]:
    client.noop()  # take in the flags another session set
    return sorted(client.search(["SEEN"]))


def test_fetch_stores_each_message_once_and_marks_it(dovecot, mailbox):
    for name in NAMES:
        mailbox.append("INBOX", raw(name))
    result = fetch_mailbox(_config(dovecot))
    assert (result.fetched, result.stored) == (3, 3)
    stored = list(InboundMail.objects.order_by("id"))
    # IMAP speaks CRLF: the server holds (and we store) the lines with CRLF endings.
    crlf = [raw(name).replace(b"\r\n", b"\n").replace(b"\n", b"\r\n") for name in NAMES]
    assert [bytes(mail.raw) for mail in stored] == crlf
    assert {mail.source for mail in stored} == {InboundSource.IMAP}
    assert len(_seen(mailbox)) == 3
    assert fetch_mailbox(_config(dovecot)).fetched == 0  # nothing new

    mailbox.append("INBOX", raw("customer-de-latin15-euro-subject-mulberry.eml"))
    again = fetch_mailbox(_config(dovecot))
    assert (again.fetched, again.stored) == (1, 1)
    cursor = MailboxCursor.objects.get()
    assert cursor.last_uid == max(mailbox.search(["ALL"]))
    assert cursor.uidvalidity == mailbox.folder_status("INBOX", ["UIDVALIDITY"])[b"UIDVALIDITY"]


def test_a_message_is_marked_only_after_it_is_stored(dovecot, mailbox, monkeypatch):
    for name in NAMES:
        mailbox.append("INBOX", raw(name))
    real_store = imap_module.store_inbound_mails

    def failing_store(batch, **kwargs):
        real_store(batch[:1], **kwargs)  # the first one got in before the failure
        raise OSError("disk full")

    monkeypatch.setattr(imap_module, "store_inbound_mails", failing_store)
    with pytest.raises(OSError):
        fetch_mailbox(_config(dovecot))
    assert _seen(mailbox) == []  # nothing marked: the chunk was never committed whole
    monkeypatch.setattr(imap_module, "store_inbound_mails", real_store)
    result = fetch_mailbox(_config(dovecot))
    assert (result.fetched, result.stored, result.known) == (3, 2, 1)
    assert InboundMail.objects.count() == 3
    assert len(_seen(mailbox)) == 3


def test_a_changed_uidvalidity_reads_the_unseen_messages(dovecot, mailbox):
    for name in NAMES:
        mailbox.append("INBOX", raw(name))
    fetch_mailbox(_config(dovecot))
    MailboxCursor.objects.update(uidvalidity=1, last_uid=10**6)  # as if the server changed it
    mailbox.append("INBOX", raw("reply-en-yahoo-original-message-divider.eml"))
    result = fetch_mailbox(_config(dovecot))
    assert (result.fetched, result.stored) == (1, 1)
    assert InboundMail.objects.count() == 4


def test_the_mail_command_fetches_from_the_configured_mailbox(dovecot, mailbox, settings):
    from io import StringIO

    from django.core.management import call_command

    settings.IMAP_URL = dovecot.url
    mailbox.append("INBOX", raw(NAMES[0]))
    out = StringIO()
    call_command("mail", "fetch", stdout=out)
    assert out.getvalue().startswith("1 fetched, 1 stored")
    assert InboundMail.objects.get().source == InboundSource.IMAP
