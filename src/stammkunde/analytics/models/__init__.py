"""Analytics models, one module per concern; each is re-exported here for Django."""

from stammkunde.analytics.models.aggregates import CohortCell, KpiPeriod, KpiRow
from stammkunde.analytics.models.goals import Goal, GoalKpi  # noqa: F401
from stammkunde.analytics.models.recommendations import AffinityKind, ProductAffinity  # noqa: F401
from stammkunde.analytics.models.runs import RunKind, RunState, ScoringRun
from stammkunde.analytics.models.scores import (
    CustomerScore,
    RFMSegment,
    ScoreModel,
    UnscoredReason,
)
from stammkunde.analytics.models.segments import Segment  # noqa: F401
from stammkunde.analytics.models.settings import AnalyticsSettings, ReferenceInterval

__all__ = [
    "AnalyticsSettings",
    "CohortCell",
    "CustomerScore",
    "KpiPeriod",
    "KpiRow",
    "RFMSegment",
    "ReferenceInterval",
    "RunKind",
    "RunState",
    "ScoreModel",
    "ScoringRun",
    "UnscoredReason",
]
