"""Every URL pattern of the URLconf, requested by every role, against tests/ui/access_table.py.

The patterns are read from the URLconf, so a new page without a row in the table fails here.
Each request runs in a savepoint that is rolled back, so a POST (revoke, delete, merge) leaves
the world as it was for the next role.
"""

from __future__ import annotations

import pytest

from tests.ui.access_table import ACCESS, ROLES
from tests.ui.access_world import PATTERNS, outcome, page_path, request

# The API's operations have their own table (scopes instead of roles). The ESP's webhooks
# (django-anymail) are machines authenticated by anymail's shared secret, tested in
# tests/messaging; the inbound mail webhooks (service:inbound-*) likewise, in tests/service.
OWN_TABLES = ("api:", "anymail:", "service:inbound-")


def test_every_url_pattern_has_a_row_in_the_access_table():
    missing = [key for key in PATTERNS if key not in ACCESS and not key.startswith(OWN_TABLES)]
    assert not missing, (
        "These URL patterns have no row in tests/ui/access_table.py; add one per page with "
        "the roles that may open it (and check the permission in its view): "
        + ", ".join(sorted(missing))
    )


def test_every_row_of_the_access_table_is_a_url_pattern():
    stale = [key for key in ACCESS if key not in PATTERNS]
    assert not stale, f"Rows for URLs that no longer exist: {', '.join(sorted(stale))}"


@pytest.mark.parametrize("key", sorted(ACCESS))
def test_each_role_is_let_in_or_turned_away_as_the_table_says(key, world, clients, db):
    row = ACCESS[key]
    path = page_path(key, row, world)
    variants = [{}]
    if row.htmx:
        variants.append({"HX-Request": "true", "HX-Target": row.htmx})
    wrong = []
    for role in ROLES:
        expected = "allowed" if role in row.roles else "denied"
        for headers in variants:
            response = request(clients[role], row, path, **headers)
            got = outcome(response, row)
            if got != expected:
                how = " (htmx)" if headers else ""
                wrong.append(f"{role}{how}: {got} ({response.status_code}), expected {expected}")
    assert not wrong, f"{row.method} {path}:\n" + "\n".join(wrong)
