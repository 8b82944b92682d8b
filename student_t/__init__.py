"""Student's t distribution, without scipy: the one home of the t code.

The comparison trial (`therapy.trial_analysis`: intervals and probabilities) and the
log's 95% intervals (`data.stats`) both need it, and neither may import the other, so
it sits at the bottom of the layers with nothing but the standard library. The CDF
comes from the regularised incomplete beta function (continued fraction, Numerical
Recipes §6.4); the quantile inverts it by Newton's method inside a bracket. Both agree
with published tables to at least 1e-6 (tests/student_t/), far more than a 0-10 scale
needs; benchmarks/bench_student_t.py prints what a call costs.
"""

from __future__ import annotations

import functools
import math
from statistics import NormalDist

__all__ = ["t_cdf", "t_quantile"]

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


def _betainc(a: float, b: float, x: float) -> float:
    """Regularised incomplete beta I_x(a, b), for 0 <= x <= 1."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    front = math.exp(
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _betacf(a, b, x) / a
    return 1.0 - front * _betacf(b, a, 1.0 - x) / b


def t_cdf(t: float, df: float) -> float:
    """P(T <= t) for Student's t with `df` > 0 degrees of freedom."""
    if df <= 0 or math.isnan(t):
        raise ValueError("need df > 0 and a number t")
    if math.isinf(t):
        return 1.0 if t > 0 else 0.0
    tail = 0.5 * _betainc(df / 2.0, 0.5, df / (df + t * t))
    return 1.0 - tail if t >= 0 else tail


def t_quantile(p: float, df: float) -> float:
    """The t value below which a fraction `p` (0 < p < 1) of the distribution lies."""
    if not 0.0 < p < 1.0 or df <= 0:
        raise ValueError("need 0 < p < 1 and df > 0")
    if p < 0.5:
        return -_upper_quantile(1.0 - p, df)
    return _upper_quantile(p, df)


def _pdf(t: float, df: float) -> float:
    """The density of Student's t at `t`."""
    log = math.lgamma((df + 1.0) / 2.0) - math.lgamma(df / 2.0) - 0.5 * math.log(df * math.pi)
    return math.exp(log - (df + 1.0) / 2.0 * math.log1p(t * t / df))


@functools.lru_cache(maxsize=512)
def _upper_quantile(p: float, df: float) -> float:
    """The quantile for p >= 0.5: Newton's method on the CDF, kept inside a bracket that
    every step narrows (bisecting when a step would leave it), from the Cornish-Fisher
    expansion around the normal quantile. A handful of CDF evaluations; cached, as the
    same few degrees of freedom come back each time the log's intervals are computed."""
    lo, hi = 0.0, 1.0
    while t_cdf(hi, df) < p:
        lo, hi = hi, hi * 2.0
    z = NormalDist().inv_cdf(p)
    t = z + (z**3 + z) / (4 * df) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)
    if not lo < t < hi:
        t = (lo + hi) / 2.0
    for _ in range(200):
        error = t_cdf(t, df) - p
        if error < 0:
            lo = t
        else:
            hi = t
        step = error / _pdf(t, df)
        following = t - step
        if not lo < following < hi:
            following = (lo + hi) / 2.0
        if abs(following - t) < 1e-13 * max(1.0, t) or hi - lo < 1e-12 * max(1.0, hi):
            return following
        t = following
    return t
