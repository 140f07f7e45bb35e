"""Buy-till-you-die models, pure numpy/scipy: BG/NBD, Pareto/NBD, Gamma-Gamma, CLV, churn risk.

Time unit: whatever the caller passes (the scoring job uses days, the CDNOW tests weeks).
``frequency`` is the number of repeat purchases x, ``recency`` the time of the last purchase since
the first (t_x), ``T`` the customer's age since the first purchase.
"""

from .bgnbd import fit as fit_bgnbd
from .clv import clv
from .gammagamma import fit as fit_gammagamma
from .params import (
    BGNBDParams,
    FitError,
    GammaGammaParams,
    ParameterBoundError,
    ParetoNBDParams,
)
from .paretonbd import fit as fit_paretonbd
from .predictions import (
    expected_order_value,
    expected_purchases,
    loglikelihood,
    probability_alive,
    probability_no_purchase,
)
from .risk import DEFAULT_HORIZON_DAYS, churn_risk

__all__ = [
    "DEFAULT_HORIZON_DAYS",
    "BGNBDParams",
    "FitError",
    "GammaGammaParams",
    "ParameterBoundError",
    "ParetoNBDParams",
    "churn_risk",
    "clv",
    "expected_order_value",
    "expected_purchases",
    "fit_bgnbd",
    "fit_gammagamma",
    "fit_paretonbd",
    "loglikelihood",
    "probability_alive",
    "probability_no_purchase",
]
