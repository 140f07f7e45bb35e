"""Our BTYD models against the ``lifetimes`` package (benchmark-only dependency, own venv).

    .venv/bin/python benchmarks/btyd_reference.py compare                     # 1,000,000 customers
    .venv/bin/python benchmarks/btyd_reference.py compare --customers 100000
    .venv/bin/python benchmarks/btyd_reference.py lifetimes-literals          # test literals

``compare`` simulates BG/NBD purchase histories in whole days with CDNOW-like parameters
(r=0.243, alpha=4.414 weeks, a=0.793, b=2.426; first purchases spread over a year, observed for
up to two), saves the arrays to an .npz, runs lifetimes in a subprocess on them (BetaGeoFitter fit,
conditional_probability_alive, conditional_expected_number_of_purchases_up_to_time on all rows,
timed inside the subprocess) and ours in-process on the same arrays (fit + the same predictions).

lifetimes runs twice: as users call it (one row per customer: ``speedup_vs_lifetimes``), and on
the merged rows our fit uses internally (distinct (x, t_x, T) with their counts as ``weights``,
which ``BetaGeoFitter.fit`` accepts; predictions per distinct row spread back to the customers:
``speedup_vs_lifetimes_weighted``), so the second speedup measures the fitting and the formulas,
not the row merging. The predictions are compared for every customer: expected purchases in 90
days and P(alive), ``max_prediction_rel_diff`` is the largest relative difference of either
(ours against lifetimes as users call it; ``_weighted`` against the weighted run). What it leaves
out: reading the data from the database (see benchmarks/analytics.py) and Gamma-Gamma/Pareto/NBD.
The last output line is one JSON object: ours_s, lifetimes_s, lifetimes_weighted_s,
speedup_vs_lifetimes, speedup_vs_lifetimes_weighted, max_param_rel_diff,
max_prediction_rel_diff (and the weighted variants of the differences).

``lifetimes-literals`` fits lifetimes on the CDNOW sample summaries (weeks) and prints the
parameters and predictions that tests/analytics/test_btyd_lifetimes.py holds as literals.

The lifetimes venv is created on first use under benchmarks/.work/lifetimes-venv with
lifetimes==0.11.3 numpy==1.26.4 pandas==1.5.3 scipy==1.11.4 autograd==1.6.2
python-dateutil==2.9.0.post0 (lifetimes cannot live in the project's environment).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORK = HERE / ".work"
VENV = WORK / "lifetimes-venv"
CDNOW = ROOT / "tests" / "fixtures" / "cdnow"
REQUIREMENTS = [
    "lifetimes==0.11.3",
    "numpy==1.26.4",
    "pandas==1.5.3",
    "scipy==1.11.4",
    "autograd==1.6.2",
    "python-dateutil==2.9.0.post0",
]
HORIZON_DAYS = 90.0

if str(ROOT / "src") not in sys.path:
    sys.path.insert(0, str(ROOT / "src"))

from stammkunde.analytics import btyd  # noqa: E402

LIFETIMES_COMPARE = r"""
import json, sys, time, warnings
warnings.filterwarnings("ignore")
import numpy as np
from lifetimes import BetaGeoFitter
data = np.load(sys.argv[1])
x, t_x, T, horizon = data["frequency"], data["recency"], data["T"], float(data["horizon"])

# As users call it: one row per customer.
start = time.perf_counter()
model = BetaGeoFitter().fit(x, t_x, T)
alive = model.conditional_probability_alive(x, t_x, T)
expected = model.conditional_expected_number_of_purchases_up_to_time(horizon, x, t_x, T)
seconds = time.perf_counter() - start

# With the same merged rows we fit on: distinct (x, t_x, T) with their counts as weights, the
# predictions made per distinct row and spread back to the customers.
start = time.perf_counter()
rows, inverse, counts = np.unique(
    np.column_stack([x, t_x, T]), axis=0, return_inverse=True, return_counts=True
)
inverse = inverse.reshape(-1)
weighted = BetaGeoFitter().fit(rows[:, 0], rows[:, 1], rows[:, 2], weights=counts)
alive_w = weighted.conditional_probability_alive(rows[:, 0], rows[:, 1], rows[:, 2])[inverse]
expected_w = weighted.conditional_expected_number_of_purchases_up_to_time(
    horizon, rows[:, 0], rows[:, 1], rows[:, 2])[inverse]
seconds_weighted = time.perf_counter() - start

np.savez(sys.argv[2], alive=alive, expected=expected, alive_weighted=alive_w,
         expected_weighted=expected_w)
names = ("r", "alpha", "a", "b")
print(json.dumps({
    "seconds": seconds, "seconds_weighted": seconds_weighted, "distinct_rows": int(len(rows)),
    "params": {name: float(model.params_[name]) for name in names},
    "params_weighted": {name: float(weighted.params_[name]) for name in names},
}))
"""

LIFETIMES_LITERALS = r"""
import json, sys, warnings
warnings.filterwarnings("ignore")
import numpy as np
import pandas as pd
from lifetimes import BetaGeoFitter, GammaGammaFitter, ParetoNBDFitter
summary = pd.read_csv(sys.argv[1])
spend = pd.read_csv(sys.argv[2])
ids = json.loads(sys.argv[3])
x, t_x, T = summary["frequency"], summary["recency"], summary["T"]
bgf = BetaGeoFitter().fit(x, t_x, T)
pnbd = ParetoNBDFitter().fit(x, t_x, T, tol=1e-12, maxiter=20000, iterative_fitting=3)
repeat = spend[spend["x"] > 0]
ggf = GammaGammaFitter().fit(repeat["x"], repeat["zbar"])
rows = summary.set_index("ID").loc[ids]
money = spend.set_index("ID").loc[ids]
f, r_, age = rows["frequency"], rows["recency"], rows["T"]
out = {
    "bgnbd": {k: float(bgf.params_[k]) for k in ("r", "alpha", "a", "b")},
    "paretonbd": {k: float(pnbd.params_[k]) for k in ("r", "alpha", "s", "beta")},
    "gammagamma": {k: float(ggf.params_[k]) for k in ("p", "q", "v")},
    "customers": ids,
    "rows": [[float(a), float(b), float(c), float(d)] for a, b, c, d in
             zip(f, r_, age, money["zbar"])],
    "bgnbd_p_alive": list(map(float, bgf.conditional_probability_alive(f, r_, age))),
    "bgnbd_expected_39": list(map(float,
        bgf.conditional_expected_number_of_purchases_up_to_time(39, f, r_, age))),
    "paretonbd_p_alive": list(map(float, pnbd.conditional_probability_alive(f, r_, age))),
    "paretonbd_expected_39": list(map(float,
        pnbd.conditional_expected_number_of_purchases_up_to_time(39, f, r_, age))),
    "paretonbd_p_no_purchase_39": [float(pnbd.conditional_probability_of_n_purchases_up_to_time(
        0, 39, a, b, c)) for a, b, c in zip(f, r_, age)],
    "gammagamma_expected_value": list(map(float,
        ggf.conditional_expected_average_profit(money["x"], money["zbar"]))),
    "clv_12_months": list(map(float, ggf.customer_lifetime_value(
        bgf, f.reset_index(drop=True), r_.reset_index(drop=True), age.reset_index(drop=True),
        money["zbar"].reset_index(drop=True), time=12, discount_rate=0.01, freq="W"))),
}
print(json.dumps(out))
"""

# CDNOW sample customers for the literals: a typical repeat buyer (ID 1), a recent one-timer after
# one repeat (2), a one-time buyer (3), the heaviest buyer (157, x=29), the BTYD vignette's
# customer (1516: x=26, t_x=30.86, T=31), a quiet repeat buyer (129: x=4, last order 30 weeks
# ago), an early one-repeat buyer (18) and a late one-time buyer (2357, T=27).
LITERAL_CUSTOMERS = [1, 2, 3, 18, 129, 157, 1516, 2357]


def lifetimes_python() -> Path:
    """The lifetimes venv's interpreter, creating the venv on first use."""
    python = VENV / "bin" / "python"
    check = [str(python), "-c", "import lifetimes, autograd"]
    if python.exists() and subprocess.run(check, capture_output=True).returncode == 0:
        return python
    WORK.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "-q", *REQUIREMENTS], check=True)
    return python


def run_lifetimes(script: str, *args: str) -> dict:
    """Run a script in the lifetimes venv; its last stdout line is JSON."""
    completed = subprocess.run(
        [str(lifetimes_python()), "-c", script, *args], capture_output=True, text=True
    )
    if completed.returncode != 0:
        raise RuntimeError(f"lifetimes subprocess failed:\n{completed.stderr}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def simulate_bgnbd(customers: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """BG/NBD histories in whole days with CDNOW-like parameters (alpha in days)."""
    rng = np.random.default_rng(seed)
    r, alpha, a, b = 0.243, 4.414 * 7, 0.793, 2.426
    first = rng.integers(0, 365, customers)
    age = (730 - first).astype(np.float64)
    rate = rng.gamma(r, 1.0 / alpha, customers)
    dropout = rng.beta(a, b, customers)
    # Repeat purchases before dropping out ~ Geometric(p) on 1, 2, ...; purchases possible in (0, T]
    # ~ Poisson(rate T); the customer shows the smaller of the two, and the x-th arrival time
    # is T * Beta(x, n-x+1).
    lifetime_purchases = rng.geometric(dropout)
    possible = rng.poisson(rate * age)
    x = np.minimum(possible, lifetime_purchases)
    t_x = np.zeros(customers)
    repeat = x > 0
    t_x[repeat] = age[repeat] * rng.beta(x[repeat], possible[repeat] - x[repeat] + 1)
    return x.astype(np.float64), np.floor(t_x), age


def ours(frequency, recency, T, horizon: float):
    """Fit + P(alive) + expected purchases for every row; (seconds, params, alive, expected)."""
    start = time.perf_counter()
    params = btyd.fit_bgnbd(frequency, recency, T)
    alive = btyd.probability_alive(params, frequency, recency, T)
    expected = btyd.expected_purchases(params, horizon, frequency, recency, T)
    return time.perf_counter() - start, params, np.asarray(alive), np.asarray(expected)


def max_rel_diff(ours_values: np.ndarray, theirs: np.ndarray) -> float:
    """The largest |ours - theirs| / |theirs| over all customers (theirs floored at 1e-12, so a
    prediction of practically zero on both sides does not divide by zero)."""
    ours_values = np.asarray(ours_values, dtype=np.float64)
    theirs = np.asarray(theirs, dtype=np.float64)
    return float(np.max(np.abs(ours_values - theirs) / np.maximum(np.abs(theirs), 1e-12)))


def compare_with_lifetimes(frequency, recency, T, workdir) -> dict:
    """Time BG/NBD fit + P(alive) + expected purchases: ours in-process, lifetimes in its venv."""
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    arrays = workdir / "btyd_arrays.npz"
    frequency = np.asarray(frequency, dtype=np.float64)
    recency = np.asarray(recency, dtype=np.float64)
    T = np.asarray(T, dtype=np.float64)
    predictions = workdir / "btyd_lifetimes_predictions.npz"
    np.savez(arrays, frequency=frequency, recency=recency, T=T, horizon=HORIZON_DAYS)
    theirs = run_lifetimes(LIFETIMES_COMPARE, str(arrays), str(predictions))
    their_predictions = np.load(predictions)
    ours_s, params, alive, expected = ours(frequency, recency, T, HORIZON_DAYS)
    ours_params = params.as_dict()

    def param_diff(reference: dict[str, float]) -> float:
        return max(
            abs(ours_params[name] - reference[name]) / abs(reference[name]) for name in ours_params
        )

    prediction_diff = max(
        max_rel_diff(alive, their_predictions["alive"]),
        max_rel_diff(expected, their_predictions["expected"]),
    )
    weighted_prediction_diff = max(
        max_rel_diff(alive, their_predictions["alive_weighted"]),
        max_rel_diff(expected, their_predictions["expected_weighted"]),
    )
    return {
        "customers": int(frequency.size),
        "distinct_rows": theirs["distinct_rows"],
        "horizon_days": HORIZON_DAYS,
        "ours_s": round(ours_s, 3),
        "lifetimes_s": round(theirs["seconds"], 3),
        "lifetimes_weighted_s": round(theirs["seconds_weighted"], 3),
        "speedup_vs_lifetimes": round(theirs["seconds"] / ours_s, 1),
        "speedup_vs_lifetimes_weighted": round(theirs["seconds_weighted"] / ours_s, 1),
        "max_param_rel_diff": float(f"{param_diff(theirs['params']):.3g}"),
        "max_param_rel_diff_weighted": float(f"{param_diff(theirs['params_weighted']):.3g}"),
        "max_prediction_rel_diff": float(f"{prediction_diff:.3g}"),
        "max_prediction_rel_diff_weighted": float(f"{weighted_prediction_diff:.3g}"),
        "ours_params": ours_params,
        "lifetimes_params": theirs["params"],
        "lifetimes_weighted_params": theirs["params_weighted"],
    }


def lifetimes_literals() -> dict:
    return run_lifetimes(
        LIFETIMES_LITERALS,
        str(CDNOW / "cdnow_customers_summary.csv"),
        str(CDNOW / "cdnow_customers_summary_with_transactions.csv"),
        json.dumps(LITERAL_CUSTOMERS),
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    compare = commands.add_parser("compare", help="time ours against lifetimes on simulated data")
    compare.add_argument("--customers", type=int, default=1_000_000)
    compare.add_argument("--seed", type=int, default=1)
    commands.add_parser("lifetimes-literals", help="print lifetimes' CDNOW numbers for the tests")
    args = parser.parse_args(argv)
    if args.command == "compare":
        x, t_x, T = simulate_bgnbd(args.customers, args.seed)
        print(f"simulated {args.customers:,} customers, {int(x.sum()):,} repeat purchases")
        result = compare_with_lifetimes(x, t_x, T, WORK)
        print(json.dumps(result))
    else:
        literals = lifetimes_literals()
        for key, value in literals.items():
            print(f"{key.upper()} = {value!r}")


if __name__ == "__main__":
    main()
