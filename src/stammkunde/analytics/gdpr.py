"""Analytics' part of a GDPR export and erasure: the customer's scores (profiling, Art. 22).

Erasure deletes the score row; the nightly run does not score an erased customer again
(``writing.delete_restricted_scores``), while the dashboard's aggregates keep counting their
orders (statistics hold no personal data).
"""

from __future__ import annotations

from typing import Any

from stammkunde.analytics.models import CustomerScore
from stammkunde.core.gdpr import ErasureRequest


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def export_scores(customer_id: int) -> dict[str, Any]:
    """The customer's current scores (RFM, reorder interval, churn risk, predicted value)."""
    score = CustomerScore.objects.filter(customer_id=customer_id).first()
    if score is None:
        return {"scores": {}}
    return {
        "scores": {
            field.name: _plain(getattr(score, field.attname))
            for field in CustomerScore._meta.concrete_fields
            if field.name not in ("id", "customer")
        }
    }


def erase_scores(request: ErasureRequest) -> dict[str, int]:
    """Delete the score row (not for a shop's part alone: the nightly scoring recomputes it
    from the orders that stay the person's)."""
    if request.shop_id is not None:
        return {}
    deleted, _ = CustomerScore.objects.filter(customer_id=request.customer_id).delete()
    return {"scores_deleted": deleted}
