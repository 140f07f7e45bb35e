"""The public help page inside a shop's iframe (another site): a customer reads the answers and
sends the case form from within the frame, as the issue asks (embeddable as a link or iframe)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import Page, expect

from stammkunde.service.models import WebFormSubmission

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def shop(live_server) -> Iterator[str]:
    """The shop's own web server on another site (127.0.0.1; the help page is on localhost),
    with a page that frames the help page. Its address, e.g. http://127.0.0.1:4711."""
    page = (
        "<!doctype html><html><body><h1>Kaffeerösterei</h1>"
        f'<iframe id="help" src="{live_server.url}/help/?lang=de" width="900" height="1400">'
        "</iframe></body></html>"
    ).encode()

    class ShopPage(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), ShopPage)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def test_a_customer_sends_the_case_form_from_the_shops_iframe(page: Page, shop, settings):
    """The form is posted from a third-party frame, where the browser neither stores nor sends
    the site's SameSite=Lax cookies: it was refused with 403 'CSRF cookie not set'."""
    settings.HELP_PAGE_FRAME_ANCESTORS = [shop]
    page.goto(f"{shop}/hilfe")
    frame = page.frame_locator("#help")
    expect(frame.get_by_role("heading", name="Hilfe und Kontakt")).to_be_visible()
    frame.get_by_label("Ihre E-Mail-Adresse").fill("erika@example.de")
    frame.get_by_label("Ihre Nachricht").fill("Paket nicht angekommen, Bestellung 10234")
    frame.get_by_role("button", name="Senden").click()
    expect(frame.get_by_role("heading", name="Vielen Dank für Ihre Nachricht")).to_be_visible()
    assert list(WebFormSubmission.objects.values_list("email", flat=True)) == ["erika@example.de"]
