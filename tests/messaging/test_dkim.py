"""DKIM: with a key in the data directory the worker signs, and the delivered bytes verify
(dkimpy, the public key served by a stub DNS lookup); the signature covers both
List-Unsubscribe headers."""

from __future__ import annotations

import base64
import re
import shutil
import subprocess

import dkim
import pytest
from django.test import override_settings

from stammkunde.customers.models import ConsentChannel, ConsentSource
from stammkunde.customers.services.consent import record_consent
from stammkunde.messaging.services.outbox import queue_message
from stammkunde.messaging.services.sending import drain
from tests.factories import CustomerFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl makes the test key"),
]


@pytest.fixture
def dkim_key(tmp_path, settings):
    """A fresh RSA key at DATA_DIR/dkim/<selector>.pem, and its DNS TXT record."""
    folder = tmp_path / "data" / "dkim"
    folder.mkdir(parents=True)
    private = folder / "mail2026.pem"
    subprocess.run(
        ["openssl", "genrsa", "-traditional", "-out", str(private), "2048"],
        check=True,
        capture_output=True,
    )
    public_der = subprocess.run(
        ["openssl", "rsa", "-in", str(private), "-pubout", "-outform", "DER"],
        check=True,
        capture_output=True,
    ).stdout
    record = b"v=DKIM1; k=rsa; p=" + base64.b64encode(public_der)
    settings.DATA_DIR = tmp_path / "data"
    return record


def test_signed_newsletter_verifies_and_covers_list_unsubscribe(smtp_server, dkim_key):
    anna = CustomerFactory(email="anna@example.org")
    record_consent(
        anna,
        channel=ConsentChannel.EMAIL,
        purpose="newsletter",
        granted=True,
        source=ConsentSource.CUSTOMER,
    )
    with override_settings(
        MESSAGING_DKIM_SELECTOR="mail2026", MESSAGING_DKIM_DOMAIN="shop.example"
    ):
        queue_message(
            customer=anna,
            to_address=anna.email,
            purpose="newsletter",
            idempotency_key="nl-dkim",
            subject="Neu bei uns: Herbstkaffee",
            text="Hallo Anna,\n\nunser Herbstkaffee ist da.\n\nJana",
            html="<html><body><p>Hallo Anna,</p><p>unser Herbstkaffee ist da.</p></body></html>",
            from_name="Jana Berger",
            from_address="jana@shop.example",
            source_type="test",
            source_id="1",
        )
        assert drain().sent == 1
    data = smtp_server.wait_for(1)[0].data
    looked_up = []

    def dns(name, timeout=5):
        looked_up.append(name)
        return dkim_key

    assert dkim.verify(data, dnsfunc=dns)
    assert looked_up == [b"mail2026._domainkey.shop.example."]
    signature = data.split(b"\r\n\r\n", 1)[0].decode()
    header = re.search(r"DKIM-Signature:(.*?)(?=\r\n\S)", signature, re.S).group(1)
    signed = re.search(r"h=([^;]+)", re.sub(r"\s+", "", header)).group(1).lower().split(":")
    assert "list-unsubscribe" in signed and "list-unsubscribe-post" in signed
    assert "from" in signed and "subject" in signed and "message-id" in signed
    # A changed body no longer verifies.
    tampered = data.replace(b"Herbstkaffee ist da", b"Herbstkaffee ist weg")
    assert not dkim.verify(tampered, dnsfunc=dns)


def test_without_a_selector_nothing_is_signed(smtp_server):
    anna = CustomerFactory(email="anna@example.org")
    queue_message(
        customer=anna,
        to_address=anna.email,
        purpose="transactional",
        idempotency_key="tx",
        subject="Ihre Bestellung",
        text="Hallo",
        from_name="Jana",
        from_address="jana@shop.example",
        source_type="test",
        source_id="1",
    )
    drain()
    assert b"DKIM-Signature" not in smtp_server.wait_for(1)[0].data
