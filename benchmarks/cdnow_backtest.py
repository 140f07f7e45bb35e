"""The churn backtest's like-for-like table on the CDNOW master file (docs/ANALYTICS.md).

Runs ``stammkunde.analytics.backtest.run_backtest`` (the same code as
``stammkunde analytics backtest``) on the 69,659 purchases of the 23,570 CDNOW customers in
tests/fixtures/cdnow: calibration up to 1997-09-30, holdout up to 1998-06-30 (273 days), the
alarm factor 2 (the product's default). No database is needed:

    .venv/bin/python benchmarks/cdnow_backtest.py
    .venv/bin/python benchmarks/cdnow_backtest.py --bootstrap 200   # quicker, wider intervals
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from stammkunde.analytics.backtest import run_backtest  # noqa: E402
from stammkunde.analytics.backtest_report import report_counts, report_table  # noqa: E402
from stammkunde.analytics.backtest_signals import BOOTSTRAP_SAMPLES  # noqa: E402
from tests.fixtures.cdnow.load import master_purchases  # noqa: E402

CALIBRATION_END = (date(1997, 9, 30) - date(1997, 1, 1)).days
HOLDOUT_END = (date(1998, 6, 30) - date(1997, 1, 1)).days


def main() -> None:
    """Print the table, the counts and the verdict."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bootstrap", type=int, default=BOOTSTRAP_SAMPLES)
    parser.add_argument("--churn-factor", type=float, default=2.0)
    options = parser.parse_args()
    started = time.perf_counter()
    customer, day = master_purchases()
    result = run_backtest(
        customer,
        day,
        float(CALIBRATION_END),
        float(HOLDOUT_END),
        churn_factor=options.churn_factor,
        bootstrap_samples=options.bootstrap,
    ).to_dict()
    print(report_table(result))
    print()
    print(report_counts(result))
    print(result["verdict"])
    print(f"({time.perf_counter() - started:.0f} s)", file=sys.stderr)


if __name__ == "__main__":
    main()
