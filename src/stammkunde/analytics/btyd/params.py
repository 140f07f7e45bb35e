"""Fitted parameters of the buy-till-you-die models and the one error a fit raises."""

from __future__ import annotations

from dataclasses import asdict, dataclass


class FitError(RuntimeError):
    """The model cannot be fitted to this data (nobody bought twice, no convergence, ...).

    The scoring job catches it and falls back to the simple rules.
    """


class ParameterBoundError(FitError):
    """The likelihood's best point lies on the edge of the searched range (say b -> infinity).

    The data do not pin the model down there: predictions from such a fit are artefacts of the
    bound, not of the data, so none is shown.
    """


@dataclass(frozen=True)
class BGNBDParams:
    """BG/NBD (Fader, Hardie & Lee 2005): rates ~ Gamma(r, alpha), dropout p ~ Beta(a, b)."""

    r: float
    alpha: float
    a: float
    b: float

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


@dataclass(frozen=True)
class ParetoNBDParams:
    """Pareto/NBD (Schmittlein et al. 1987): rates ~ Gamma(r, alpha), dropout ~ Gamma(s, beta)."""

    r: float
    alpha: float
    s: float
    beta: float

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


@dataclass(frozen=True)
class GammaGammaParams:
    """Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM and CLV")."""

    p: float
    q: float
    v: float

    def as_dict(self) -> dict[str, float]:
        return asdict(self)
