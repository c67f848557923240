"""Intervals and the paired test against slow references written here, and their invariants."""

import itertools
import math
import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eval.metrics.significance import RESAMPLES, SEED, Interval, interval, paired_test

scores = st.lists(st.floats(min_value=0, max_value=1), min_size=1, max_size=40)


def reference_quantile(sorted_values, q):
    """Linear interpolation between order statistics (numpy's default 'linear' method)."""
    position = (len(sorted_values) - 1) * q
    below = math.floor(position)
    above = min(below + 1, len(sorted_values) - 1)
    return sorted_values[below] + (sorted_values[above] - sorted_values[below]) * (position - below)


def reference_interval(values, draws):
    """The percentile bootstrap, one resample at a time in plain Python."""
    means = sorted(sum(values[i] for i in row) / len(values) for row in draws.tolist())
    return reference_quantile(means, 0.025), reference_quantile(means, 0.975)


def exact_p_value(a, b):
    """The sign-flip test by enumerating every pattern of signs."""
    differences = [x - y for x, y in zip(a, b, strict=True)]
    observed = abs(sum(differences) / len(differences))
    hits = total = 0
    for signs in itertools.product((1, -1), repeat=len(differences)):
        flipped = abs(sum(s * d for s, d in zip(signs, differences, strict=True)))
        hits += flipped / len(differences) >= observed - 1e-12
        total += 1
    return hits / total


def test_interval_equals_the_slow_percentile_bootstrap_on_the_same_draws():
    rng = random.Random(3)
    values = [rng.random() for _ in range(25)]
    draws = np.random.default_rng(SEED).integers(0, len(values), size=(RESAMPLES, len(values)))
    low, high = reference_interval(values, draws)
    found = interval(values)
    assert found.mean == pytest.approx(sum(values) / len(values))
    assert found.low == pytest.approx(low, abs=1e-12)
    assert found.high == pytest.approx(high, abs=1e-12)


def test_interval_is_close_to_the_exact_bootstrap_distribution():
    """Monte Carlo quantiles against the quantiles of every one of the n**n resamples."""
    values = [0.0, 0.1, 0.35, 0.6, 0.8, 1.0]
    n = len(values)
    means = sorted(
        sum(values[i] for i in indices) / n for indices in itertools.product(range(n), repeat=n)
    )
    found = interval(values, resamples=20_000)
    assert found.low == pytest.approx(reference_quantile(means, 0.025), abs=0.02)
    assert found.high == pytest.approx(reference_quantile(means, 0.975), abs=0.02)


@pytest.mark.parametrize("n", [1, 5, 12])
def test_small_samples_are_tested_exactly(n):
    rng = random.Random(n)
    a = [rng.random() for _ in range(n)]
    b = [rng.random() for _ in range(n)]
    assert paired_test(a, b).p_value == pytest.approx(exact_p_value(a, b), abs=1e-12)


def test_drawn_sign_patterns_approach_the_exact_p_value():
    rng = random.Random(7)
    a = [rng.random() for _ in range(16)]  # 65,536 patterns: more than RESAMPLES, so drawn
    b = [x - 0.15 + 0.4 * rng.random() for x in a]
    exact = exact_p_value(a, b)
    assert 0.02 < exact < 0.9  # the case is not trivial
    assert paired_test(a, b).p_value == pytest.approx(exact, abs=0.02)


def test_a_consistent_difference_is_significant_and_noise_is_not():
    rng = random.Random(11)
    base = [rng.random() * 0.5 for _ in range(200)]
    better = [x + 0.1 for x in base]
    assert paired_test(better, base).significant
    assert paired_test(better, base).p_value == pytest.approx(1 / (1 + RESAMPLES))
    noise = [x + rng.choice((-0.1, 0.1)) for x in base]
    shuffled = paired_test(noise, base)
    assert shuffled.difference.low < 0 < shuffled.difference.high
    assert not shuffled.significant


@settings(max_examples=60, deadline=None)
@given(scores)
def test_interval_holds_the_mean_within_the_range_of_the_values(values):
    found = interval(values)
    assert min(values) - 1e-12 <= found.low <= found.mean <= found.high <= max(values) + 1e-12
    assert found.mean == pytest.approx(sum(values) / len(values))


@settings(max_examples=40, deadline=None)
@given(scores)
def test_identical_rows_do_not_differ(values):
    comparison = paired_test(values, list(values))
    assert comparison.p_value == 1.0
    assert comparison.difference == Interval(0.0, 0.0, 0.0)
    assert not comparison.significant


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 1), st.floats(0, 1)), min_size=1, max_size=40))
def test_the_test_is_symmetric_deterministic_and_never_zero(pairs):
    a, b = [x for x, _ in pairs], [y for _, y in pairs]
    forward, backward = paired_test(a, b), paired_test(b, a)
    assert 0 < forward.p_value <= 1
    assert forward.p_value == pytest.approx(backward.p_value)
    assert forward.difference.mean == pytest.approx(-backward.difference.mean)
    assert paired_test(a, b) == forward


@settings(max_examples=30, deadline=None)
@given(scores, st.floats(min_value=-1, max_value=1))
def test_a_constant_shift_moves_the_interval_and_not_the_test(values, shift):
    moved = interval([v + shift for v in values])
    found = interval(values)
    assert moved.low == pytest.approx(found.low + shift, abs=1e-9)
    assert moved.high == pytest.approx(found.high + shift, abs=1e-9)
    other = [1 - v for v in values]
    assert paired_test([v + shift for v in values], [o + shift for o in other]).p_value == (
        pytest.approx(paired_test(values, other).p_value)
    )


def test_errors_say_what_to_pass():
    with pytest.raises(ValueError, match="at least one query"):
        interval([])
    with pytest.raises(ValueError, match="same query order"):
        paired_test([1.0], [1.0, 0.0])
    with pytest.raises(ValueError, match=r"coverage in \(0, 1\)"):
        interval([1.0], level=95)
