"""How sure a figure is: bootstrap intervals over queries and a paired test between two rows.

Every figure of the report is a mean over queries, ``m = (1/n) * sum_q x_q``.
Its **interval** is the percentile bootstrap over queries: draw ``B`` samples
of ``n`` query indices with replacement, take the mean of each, and report
the ``(1 - level) / 2`` and ``(1 + level) / 2`` quantiles of those ``B``
means (linear interpolation between order statistics). The index draws
depend only on ``(n, resamples, seed)``, so every row measured on the same
queries is resampled with the *same* draws: the intervals are paired, and a
difference of two rows is bootstrapped on the same draws too.

Whether two rows differ is the **paired randomization (sign-flip) test** on
the per-query differences ``d_q = a_q - b_q``: under "no difference" each
``d_q`` is as likely to have been ``-d_q``, so the p-value is the share of
sign patterns ``s`` whose mean ``|(1/n) * sum_q s_q d_q|`` is at least the
observed ``|mean(d)|`` (two-sided). With ``2**n <= resamples`` every pattern
is enumerated (exact); otherwise ``resamples`` random patterns are drawn and
``p = (1 + hits) / (1 + resamples)``, which is never 0. Identical rows give
``p = 1``.

Seeded and deterministic: the same inputs give the same interval and p-value
on every run. numpy is imported when a function is called (the ``eval``
extra).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from eval.errors import import_extra

__all__ = [
    "LEVEL",
    "RESAMPLES",
    "SEED",
    "SIGNIFICANCE",
    "Comparison",
    "Interval",
    "interval",
    "paired_test",
]

RESAMPLES = 5000
"""Bootstrap samples and random sign patterns drawn per figure."""

SEED = 17
"""Seed of every draw (a fixed seed: the report is reproducible)."""

LEVEL = 0.95
"""Coverage of the intervals."""

SIGNIFICANCE = 0.05
"""A difference is called real when its p-value is below this."""


@dataclass(frozen=True, slots=True)
class Interval:
    """A mean over queries and its bootstrap interval (``low <= mean <= high`` in practice)."""

    mean: float
    low: float
    high: float

    def rounded(self, digits: int = 6) -> Interval:
        return Interval(round(self.mean, digits), round(self.low, digits), round(self.high, digits))

    def to_dict(self, digits: int = 6) -> dict[str, float]:
        rounded = self.rounded(digits)
        return {"mean": rounded.mean, "low": rounded.low, "high": rounded.high}

    @classmethod
    def from_dict(cls, data: Mapping[str, float]) -> Interval:
        return cls(float(data["mean"]), float(data["low"]), float(data["high"]))


@dataclass(frozen=True, slots=True)
class Comparison:
    """Row ``a`` against row ``b`` on the same queries.

    Attributes:
        difference: ``mean(a - b)`` with its paired bootstrap interval.
        p_value: two-sided paired randomization test (see the module).
        queries: ``n``, the number of paired queries.
    """

    difference: Interval
    p_value: float
    queries: int

    @property
    def significant(self) -> bool:
        """``p_value < SIGNIFICANCE``: the only case the report calls a difference real."""
        return self.p_value < SIGNIFICANCE

    def to_dict(self, digits: int = 6) -> dict[str, Any]:
        return {
            "difference": self.difference.to_dict(digits),
            "p_value": round(self.p_value, digits),
            "queries": self.queries,
            "significant": self.significant,
        }


def interval(
    values: Sequence[float], *, level: float = LEVEL, resamples: int = RESAMPLES, seed: int = SEED
) -> Interval:
    """The mean of ``values`` (one per query) and its percentile bootstrap interval.

    Returns:
        ``Interval(mean, low, high)``; all three equal when the values are
        (one query, or every query the same).

    Raises:
        ValueError: no values, a ``level`` outside (0, 1) or ``resamples < 1``.

    >>> interval([0.5, 0.5, 0.5])
    Interval(mean=0.5, low=0.5, high=0.5)
    """
    np = _numpy()
    data = _array(values, "interval")
    _check(level, resamples)
    means = data[_draws(len(data), resamples, seed)].mean(axis=1)
    low, high = np.quantile(means, [(1 - level) / 2, (1 + level) / 2])
    mean = float(data.mean())
    # Float rounding can put a quantile of equal means a hair past the mean; only that is undone.
    slack = 1e-9 * max(1.0, float(np.abs(data).max()))
    low = mean if mean < low <= mean + slack else float(low)
    high = mean if mean - slack <= high < mean else float(high)
    return Interval(mean, low, high)


def paired_test(
    a: Sequence[float],
    b: Sequence[float],
    *,
    level: float = LEVEL,
    resamples: int = RESAMPLES,
    seed: int = SEED,
) -> Comparison:
    """``a`` against ``b``, both one value per query in the same query order.

    Returns:
        the mean difference ``mean(a) - mean(b)`` with its paired bootstrap
        interval and the randomization test's two-sided p-value (1.0 when
        ``a == b``).

    Raises:
        ValueError: empty or unequal lengths (the queries must be the same).

    >>> paired_test([1.0, 0.0, 1.0], [1.0, 0.0, 1.0]).p_value
    1.0
    """
    np = _numpy()
    first, second = _array(a, "paired_test"), _array(b, "paired_test")
    if len(first) != len(second):
        raise ValueError(
            f"paired_test compares the same queries: got {len(first)} and {len(second)} "
            "values; pass both rows' per-query values in the same query order"
        )
    differences = first - second
    observed = abs(float(differences.mean()))
    # A tolerance, so that sums equal up to float rounding count as at least as extreme.
    tolerance = 1e-12 * max(1.0, float(np.abs(differences).sum()))
    n = len(differences)
    if n <= 62 and 2**n <= resamples:
        flipped = np.abs(_all_signs(n) @ differences) / n
        p_value = float(np.mean(flipped >= observed - tolerance))
    else:
        flipped = np.abs(_signs(n, resamples, seed) @ differences) / n
        p_value = (1 + int(np.sum(flipped >= observed - tolerance))) / (1 + resamples)
    return Comparison(
        difference=interval(differences, level=level, resamples=resamples, seed=seed),
        p_value=min(1.0, p_value),
        queries=n,
    )


def _numpy() -> Any:
    return import_extra("numpy", needed_for="intervals and tests")


def _array(values: Sequence[float], caller: str) -> Any:
    data = _numpy().asarray(values, dtype=float)
    if data.ndim != 1 or not len(data):
        raise ValueError(
            f"{caller} needs one value per query and at least one query; got shape {data.shape}"
        )
    return data


def _check(level: float, resamples: int) -> None:
    if not 0 < level < 1:
        raise ValueError(f"level is a coverage in (0, 1), such as 0.95; got {level!r}")
    if resamples < 1:
        raise ValueError(f"resamples must be a positive number of draws; got {resamples!r}")


@lru_cache(maxsize=8)
def _draws(n: int, resamples: int, seed: int) -> Any:
    """``resamples`` x ``n`` query indices drawn with replacement (read-only, shared by rows)."""
    np = _numpy()
    draws = np.random.default_rng(seed).integers(0, n, size=(resamples, n))
    draws.flags.writeable = False
    return draws


@lru_cache(maxsize=8)
def _signs(n: int, resamples: int, seed: int) -> Any:
    """``resamples`` x ``n`` random signs (read-only)."""
    np = _numpy()
    signs = np.random.default_rng(seed + 1).choice(np.array([-1.0, 1.0]), size=(resamples, n))
    signs.flags.writeable = False
    return signs


@lru_cache(maxsize=8)
def _all_signs(n: int) -> Any:
    """Every one of the ``2**n`` sign patterns, one per row (read-only)."""
    np = _numpy()
    codes = np.arange(2**n)[:, None] >> np.arange(n)[None, :]
    signs = np.where(codes & 1, -1.0, 1.0)
    signs.flags.writeable = False
    return signs
