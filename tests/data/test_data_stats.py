"""The log's 95% intervals, computed by hand (the t quantile itself: tests/student_t/)."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from data.stats import mean_ci_from_sums


def mean_ci(values):
    return mean_ci_from_sums(len(values), sum(values), sum(v * v for v in values))


def test_mean_ci_by_hand():
    # Changes -3, -1, -2, 0: mean -1.5, sd = sqrt(5/3), se = sd/2, t(0.975, 3) = 3.18245
    ci = mean_ci([-3, -1, -2, 0])
    half = 3.182446305 * math.sqrt(5 / 3) / 2
    assert ci.n == 4
    assert ci.mean == pytest.approx(-1.5)
    assert ci.low == pytest.approx(-1.5 - half)
    assert ci.high == pytest.approx(-1.5 + half)


def test_mean_ci_small_n():
    assert mean_ci([]).mean is None
    one = mean_ci([2])
    assert (one.n, one.mean, one.low, one.high) == (1, 2, None, None)
    same = mean_ci([1, 1, 1])
    assert (same.low, same.high) == (1, 1)


@given(st.lists(st.integers(-10, 10), min_size=2, max_size=300))
def test_the_interval_is_centred_on_the_mean(values):
    ci = mean_ci(values)
    assert ci.low is not None
    assert ci.high is not None
    assert ci.mean is not None
    assert ci.low <= ci.mean <= ci.high
    assert ci.high - ci.low == pytest.approx(2 * (ci.mean - ci.low))
