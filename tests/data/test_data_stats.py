"""The t quantile against published table values, and CIs computed by hand."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from data.stats import mean_ci, t_cdf, t_quantile

# Two-sided 95% critical values from standard t tables.
TABLE = {
    1: 12.706,
    2: 4.303,
    3: 3.182,
    4: 2.776,
    5: 2.571,
    9: 2.262,
    10: 2.228,
    20: 2.086,
    30: 2.042,
    60: 2.000,
    120: 1.980,
}


@pytest.mark.parametrize(("df", "expected"), sorted(TABLE.items()))
def test_t_quantile_matches_table(df, expected):
    assert t_quantile(0.975, df) == pytest.approx(expected, abs=5e-4)


def test_t_quantile_is_symmetric_and_tends_to_normal():
    assert t_quantile(0.025, 7) == pytest.approx(-t_quantile(0.975, 7))
    assert t_quantile(0.975, 1e7) == pytest.approx(1.959964, abs=1e-5)
    assert t_quantile(0.5, 3) == pytest.approx(0.0, abs=1e-9)


@given(st.floats(0.01, 0.99), st.integers(1, 200))
def test_quantile_inverts_cdf(p, df):
    assert t_cdf(t_quantile(p, df), df) == pytest.approx(p, abs=1e-9)


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
