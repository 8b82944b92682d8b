"""The one t distribution (trial and log intervals) against published table values."""

from __future__ import annotations

import itertools
import math
from statistics import NormalDist

import pytest
from hypothesis import given
from hypothesis import strategies as st

from student_t import t_cdf, t_quantile

# Two-sided 95% critical values t(0.975, df) from standard t tables.
TABLE = [
    (1, 12.706205),
    (2, 4.302653),
    (3, 3.182446),
    (4, 2.776445),
    (6, 2.446912),
    (9, 2.262157),
    (11, 2.200985),
    (30, 2.042272),
    (120, 1.979930),
]


@pytest.mark.parametrize(("df", "expected"), TABLE)
def test_t_quantile_matches_the_table(df: int, expected: float) -> None:
    assert t_quantile(0.975, df) == pytest.approx(expected, abs=2e-6)
    assert t_quantile(0.025, df) == pytest.approx(-expected, abs=2e-6)


# The same, as printed to four decimals (NIST/SEMATECH e-Handbook, table 1.3.6.7.2, and
# the usual four-decimal tables), to well beyond the six-decimal table above.
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
    200: 1.9719,
    500: 1.9647,
    1000: 1.9623,
}


@pytest.mark.parametrize(("df", "expected"), sorted(PUBLISHED.items()))
def test_t_quantile_matches_the_four_decimal_tables(df: int, expected: float) -> None:
    assert t_quantile(0.975, df) == pytest.approx(expected, abs=6e-5)


def test_the_95_quantile_falls_smoothly_to_the_normal_quantile() -> None:
    z = NormalDist().inv_cdf(0.975)
    values = [t_quantile(0.975, df) for df in range(1, 400)]
    assert all(a > b for a, b in itertools.pairwise(values))  # strictly falling
    assert all(v > z for v in values)
    assert t_quantile(0.975, 10**7) == pytest.approx(z, abs=1e-6)


@pytest.mark.parametrize(("df", "expected"), TABLE)
def test_t_cdf_inverts_the_quantile(df: int, expected: float) -> None:
    assert t_cdf(expected, df) == pytest.approx(0.975, abs=1e-7)
    assert t_cdf(0.0, df) == pytest.approx(0.5)


def test_t_cdf_with_one_degree_is_the_cauchy() -> None:
    for t in (-3.0, -0.5, 0.7, 4.0):
        assert t_cdf(t, 1) == pytest.approx(0.5 + math.atan(t) / math.pi, abs=1e-9)


def test_bad_arguments_are_refused() -> None:
    for p in (0.0, 1.0, -0.1):
        with pytest.raises(ValueError, match="0 < p < 1"):
            t_quantile(p, 5)
    with pytest.raises(ValueError, match="df > 0"):
        t_cdf(1.0, 0)
    assert t_cdf(math.inf, 3) == 1.0
    assert t_cdf(-math.inf, 3) == 0.0


@given(
    st.floats(0.001, 0.999),
    st.integers(1, 2000) | st.floats(0.5, 500.0),
)
def test_the_quantile_is_the_inverse_of_the_cdf(p: float, df: float) -> None:
    t = t_quantile(p, df)
    assert t_cdf(t, df) == pytest.approx(p, abs=1e-9)
    assert t_quantile(1.0 - p, df) == pytest.approx(-t, rel=1e-9, abs=1e-12)
