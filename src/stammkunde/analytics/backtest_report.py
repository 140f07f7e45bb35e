"""The backtest's result as text: the like-for-like table and who was measured."""

from __future__ import annotations

from .backtest_signals import gettext_if_ready as _


def _figure(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _interval(difference: dict | None) -> str:
    if not difference:
        return "-"
    return f"{difference['estimate']:+.3f} ({difference['low']:+.3f} .. {difference['high']:+.3f})"


def report_table(result: dict) -> str:
    """The backtest's like-for-like table as Markdown (the command prints it, the docs quote it).

    ``result`` is ``BacktestResult.to_dict()`` (or the stored ``ScoringRun.backtest``).
    """
    header = [
        _("signal"),
        _("AUC, all"),
        _("difference vs days since last order, all (95% interval)"),
        _("AUC, repeaters"),
        _("difference, repeaters (95% interval)"),
        _("precision"),
        _("flagged"),
        _("flagged by"),
    ]
    threshold = {"alarm": _("the alarm"), "base_rate": _("base-rate share")}
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + " --- |" * len(header),
    ]
    for signal in result["signals"]:
        lines.append(
            "| "
            + " | ".join(
                [
                    signal["label"],
                    _figure(signal["auc"]),
                    _interval(signal.get("difference")),
                    _figure(signal.get("auc_repeaters")),
                    _interval(signal.get("difference_repeaters")),
                    _figure(signal["precision"]),
                    str(signal["flagged"]),
                    threshold.get(signal.get("threshold", ""), "-"),
                ]
            )
            + " |"
        )
    return "\n".join(lines)


def report_counts(result: dict) -> str:
    """Who was measured: customers, repeaters, and how many of each ordered again."""
    return _(
        "%(customers)d customers, %(returned)d ordered again in the holdout; %(repeaters)d "
        "repeaters (2+ purchase days), %(repeaters_returned)d of them ordered again; "
        "%(one_time)d one-time buyers, %(one_time_returned)d of them ordered again. "
        "Intervals: %(samples)d bootstrap samples of the customers."
    ) % {
        "customers": result["customers"],
        "returned": result["customers_returned"],
        "repeaters": result.get("repeaters", 0),
        "repeaters_returned": result.get("repeaters_returned", 0),
        "one_time": result["one_time_buyers"],
        "one_time_returned": result["one_time_buyers_returned"],
        "samples": result.get("bootstrap_samples", 0),
    }
