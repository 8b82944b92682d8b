"""The t quantile against published table values, and CIs computed by hand."""

import itertools
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from data.stats import Z_975, mean_ci_from_sums, t_975

# Two-sided 95% critical values as published (NIST/SEMATECH e-Handbook, table 1.3.6.7.2,
# and the usual four-decimal tables).
PUBLISHED = {
    1: 12.7062,
    2: 4.3027,
    3: 3.1824,
    4: 2.7764,
    5: 2.5706,
    9: 2.2622,
    10: 2.2281,
    20: 2.0860,
    30: 2.0423,
    60: 2.0003,
    100: 1.9840,
    120: 1.9799,
    # beyond the table: the Cornish-Fisher expansion
    200: 1.9719,
    500: 1.9647,
    1000: 1.9623,
}


@pytest.mark.parametrize(("df", "expected"), sorted(PUBLISHED.items()))
def test_t_975_matches_published_values(df, expected):
    assert t_975(df) == pytest.approx(expected, abs=6e-5)


def test_t_975_falls_smoothly_to_the_normal_quantile():
    values = [t_975(df) for df in range(1, 400)]
    assert all(a > b for a, b in itertools.pairwise(values))  # strictly falling
    assert t_975(120) - t_975(121) < t_975(119) - t_975(120)  # no step at the table's end
    assert t_975(10**7) == pytest.approx(Z_975, abs=1e-6)
    assert all(v > Z_975 for v in values)


@pytest.mark.parametrize("bad", [0, -1, 1.5, True])
def test_t_975_refuses_what_is_not_a_degree_of_freedom(bad):
    with pytest.raises(ValueError, match="degrees of freedom"):
        t_975(bad)


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
