"""The shared pager of paged lists (webhook inbox, inbound mail, domain events)."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import translation


def _pager(query: dict, **context) -> str:
    request = RequestFactory().get("/staff/inbox/", query)
    with translation.override("en"):
        return render_to_string("ui/_pager.html", context, request=request)


def test_pager_links_keep_the_lists_filters():
    html = _pager(
        {"state": "failed", "shop": "3", "page": "2"}, page=2, has_previous=True, has_next=True
    )
    assert 'href="?state=failed&amp;shop=3&amp;page=1"' in html
    assert 'href="?state=failed&amp;shop=3&amp;page=3"' in html
    assert "Page 2" in html


def test_pager_encodes_a_filter_value():
    html = _pager({"name": "a b&c"}, page=1, has_previous=False, has_next=True)
    assert 'href="?name=a+b%26c&amp;page=2"' in html
    assert 'rel="prev"' not in html


def test_no_pager_on_a_single_page():
    assert "pager" not in _pager({}, page=1, has_previous=False, has_next=False)
