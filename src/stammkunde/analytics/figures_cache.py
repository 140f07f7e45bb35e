"""Figures computed from the scoring job's stored results, kept until the job stores new ones.

The dashboard and the start page turn the stored KPI rows, cohort cells and the latest run's
summary into points with early warnings and into SVG charts on every request; that work costs
more than all their queries together and its result changes only when the nightly job (or a
run started by hand) replaces those rows. ``cached`` keeps such a result in the cache under a
fingerprint of the stored figures, so the next page view reads it instead of computing it.

The fingerprint (``figures_version``) is read with one small query per request; the job's
replacing writes change it (new ``computed_at``, row counts and sums, a new run), so a page
never shows figures older than the stored ones. Nothing personal is kept here: lists of
customers (alarms, segment members) are read and audited per request as before.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from django.db import connection
from django.utils import timezone, translation

T = TypeVar("T")

# Long enough to serve a working day from memory, short enough that a cache never grows stale
# figures forever if a write ever bypassed the fingerprint.
CACHE_SECONDS = 3600

# One statement, all tables small (a row per period and currency, per cohort month and
# offset, per run): the cost does not grow with the number of customers or orders.
_VERSION_SQL = """
SELECT
  (SELECT COUNT(*) || '/' || COALESCE(CAST(MAX(computed_at) AS TEXT), '')
     || '/' || COALESCE(SUM(orders), 0) || '/' || COALESCE(SUM(revenue), 0)
   FROM analytics_kpirow),
  (SELECT COUNT(*) || '/' || COALESCE(CAST(MAX(computed_at) AS TEXT), '')
     || '/' || COALESCE(SUM(customers), 0) || '/' || COALESCE(SUM(revenue), 0)
   FROM analytics_cohortcell),
  (SELECT COALESCE(MAX(id), 0) || '/' || COUNT(*) FROM analytics_scoringrun WHERE state = %s)
"""


def figures_version() -> str:
    """A fingerprint of the stored figures: KPI rows, cohort cells and the finished runs."""
    from stammkunde.analytics.models import RunState

    with connection.cursor() as cursor:
        cursor.execute(_VERSION_SQL, [RunState.FINISHED])
        row = cursor.fetchone()
    return "|".join(str(part) for part in row)


def cached(name: str, version: str, *parts: object, compute: Callable[[], T]) -> T:
    """``compute()``'s result for these stored figures (``version``) and ``parts``, computed
    once per process and day: the key holds the local date and the language, since points
    mark the running period and warnings and charts are worded for the reader."""
    raw = "|".join(
        [
            name,
            version,
            str(timezone.localdate()),
            translation.get_language() or "",
            *(str(part) for part in parts),
        ]
    )
    key = "figures:" + hashlib.sha256(raw.encode()).hexdigest()
    found = cache.get(key)
    if found is None:
        found = compute()
        cache.set(key, found, CACHE_SECONDS)
    return found
