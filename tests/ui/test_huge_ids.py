"""An id beyond the database's 64-bit range typed into a URL is no object's: every page with
an id in its path answers as for an unknown id (404, or a redirect or refusal before the id is
read), never 500. The customer pages' compiled reads raised OverflowError on SQLite and a
DataError on PostgreSQL."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999"


def _routes(resolver: URLResolver, prefix: str = ""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern)


def _paths_with_ids() -> list[str]:
    paths = []
    for route in _routes(get_resolver()):
        if "<int:" not in route or route.startswith(("admin/", "^")):
            continue
        path = "/" + re.sub(r"<int:\w+>", HUGE, route)
        path = re.sub(r"<(?:str|slug):\w+>", "x", path)
        if "<" not in path:
            paths.append(path)
    return paths


def test_there_are_pages_with_ids_to_try():
    assert "/customers/99999999999999999999/" in _paths_with_ids()


def test_an_id_beyond_the_range_is_unknown_on_every_page(client):
    client.raise_request_exception = False
    client.force_login(User.objects.create_superuser("root", "root@example.de", "x"))
    failed = []
    for path in _paths_with_ids():
        for method in (client.get, client.post):
            status = method(path).status_code
            if status >= 500:
                failed.append((method.__name__, path, status))
    assert not failed
