"""API test helpers: tokens with chosen scopes and a client that sends them."""

from __future__ import annotations

import json

import pytest

from stammkunde.api.models import Scope
from stammkunde.api.tokens import create_token


class ApiClient:
    def __init__(self, client, secret: str):
        self.client = client
        self.headers = {"Authorization": f"Bearer {secret}"}

    def get(self, path, **params):
        return self.client.get(f"/api{path}", params, headers=self.headers)

    def send(self, method, path, body, **kwargs):
        data = body if isinstance(body, (bytes, str)) else json.dumps(body, default=str)
        return getattr(self.client, method)(
            f"/api{path}", data, content_type="application/json", headers=self.headers, **kwargs
        )

    def put(self, path, body, **kwargs):
        return self.send("put", path, body, **kwargs)

    def post(self, path, body, **kwargs):
        return self.send("post", path, body, **kwargs)


@pytest.fixture
def make_api(client, db):
    def make(*scopes, name="shop-sync", shop=None) -> ApiClient:
        _token, secret = create_token(name=name, scopes=scopes or Scope.values, shop=shop)
        return ApiClient(client, secret)

    return make


@pytest.fixture
def api(make_api):
    """A client whose token carries every scope."""
    return make_api()
