"""The trial's own t distribution against published table values."""

from __future__ import annotations

import math

import pytest

from therapy.trial_stats import t_cdf, t_quantile

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
