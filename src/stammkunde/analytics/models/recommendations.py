"""Item-to-item affinities between products, precomputed from order lines."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AffinityKind(models.TextChoices):
    BOUGHT_TOGETHER = "together", _("Bought together")
    BOUGHT_NEXT = "next", _("Bought next")


class ProductAffinity(models.Model):
    """``product`` -> ``related``: how strongly buying one goes with buying the other.

    ``score`` is the cosine similarity of the two products' buyer sets (0..1); ``support`` is
    the number of orders (together) or order pairs (next) behind it. Rewritten in bulk by
    ``analytics.recommendations.refresh_product_affinities``.
    """

    product = models.ForeignKey("shop.Product", on_delete=models.CASCADE, related_name="affinities")
    related = models.ForeignKey("shop.Product", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=8, choices=AffinityKind.choices)
    score = models.FloatField()
    support = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("product affinity")
        verbose_name_plural = _("product affinities")
        constraints = [
            models.UniqueConstraint(
                fields=["product", "related", "kind"], name="product_affinity_unique"
            )
        ]
        # recommendations_for reads the affinities of a handful of products, best first.
        indexes = [models.Index(fields=["product", "-score"], name="affinity_product_score")]

    def __str__(self) -> str:
        return f"{self.product_id} -> {self.related_id} ({self.kind})"
