"""Small statistics without scipy: Student's t quantile and a mean with its 95% CI.

The t quantile inverts the t CDF, computed from the regularised incomplete
beta function (continued fraction, Numerical Recipes §6.4), by bisection.
Accurate to ~1e-9, far beyond what a 0-10 rating scale needs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

_EPS = 1e-15
_TINY = 1e-300


def _betacf(a: float, b: float, x: float) -> float:
    """Continued fraction for the incomplete beta function (modified Lentz)."""
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > _TINY else _TINY)
    h = d
    for m in range(1, 400):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > _TINY else _TINY)
        c = 1.0 + aa / c
        c = c if abs(c) > _TINY else _TINY
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > _TINY else _TINY)
        c = 1.0 + aa / c
        c = c if abs(c) > _TINY else _TINY
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < _EPS:
            break
    return h


def betainc(a: float, b: float, x: float) -> float:
    """Regularised incomplete beta I_x(a, b)."""
    if not 0.0 <= x <= 1.0:
        raise ValueError("x must be in [0, 1]")
    if x in (0.0, 1.0):
        return x
    ln_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    front = math.exp(ln_front)
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _betacf(a, b, x) / a
    return 1.0 - front * _betacf(b, a, 1.0 - x) / b


def t_cdf(t: float, df: float) -> float:
    """P(T <= t) for Student's t with `df` degrees of freedom."""
    tail = 0.5 * betainc(df / 2.0, 0.5, df / (df + t * t))
    return 1.0 - tail if t >= 0 else tail


def t_quantile(p: float, df: float) -> float:
    """The t value below which a fraction `p` of the distribution lies."""
    if not 0.0 < p < 1.0 or df <= 0:
        raise ValueError("need 0 < p < 1 and df > 0")
    if p < 0.5:
        return -t_quantile(1.0 - p, df)
    lo, hi = 0.0, 1.0
    while t_cdf(hi, df) < p:
        hi *= 2.0
    for _ in range(200):
        mid = (lo + hi) / 2.0
        if t_cdf(mid, df) < p:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-12 * max(1.0, hi):
            break
    return (lo + hi) / 2.0


@dataclass(frozen=True)
class MeanCI:
    """A mean with n and its two-sided 95% confidence interval (None when n < 2)."""

    n: int
    mean: float | None
    low: float | None
    high: float | None


def mean_ci_from_sums(n: int, total: float, total_sq: float, level: float = 0.95) -> MeanCI:
    """Mean and t-based CI from n, Σx and Σx²; exact for the integer sums ratings give."""
    if n == 0:
        return MeanCI(0, None, None, None)
    mean = total / n
    if n < 2:
        return MeanCI(n, mean, None, None)
    var = max((total_sq - total * total / n) / (n - 1), 0.0)
    half = t_quantile(0.5 + level / 2.0, n - 1) * math.sqrt(var / n)
    return MeanCI(n, mean, mean - half, mean + half)


def mean_ci(values: list[float], level: float = 0.95) -> MeanCI:
    """Mean and t-based CI of a list of values."""
    return mean_ci_from_sums(len(values), sum(values), sum(v * v for v in values), level)
