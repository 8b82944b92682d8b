"""A mean with its two-sided 95% confidence interval, without scipy.

The CI needs one number: Student's t 0.975 quantile for n - 1 degrees of freedom.
It comes from a table for 1-120 degrees of freedom (six decimals, as printed in any
statistics book: 12.706205 for 1, 2.228139 for 10, 1.979930 for 120) and, beyond
120, from the Cornish-Fisher expansion around the normal quantile, which is within
2e-6 of the exact value there. Far beyond what a 0-10 rating scale needs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# The standard normal 0.975 quantile.
Z_975 = 1.959963984540054

# Student's t 0.975 quantile for 1..120 degrees of freedom (index 0 is 1 df).
_T_975 = (
    12.706205, 4.302653, 3.182446, 2.776445, 2.570582, 2.446912, 2.364624, 2.306004,
    2.262157, 2.228139, 2.200985, 2.178813, 2.160369, 2.144787, 2.131450, 2.119905,
    2.109816, 2.100922, 2.093024, 2.085963, 2.079614, 2.073873, 2.068658, 2.063899,
    2.059539, 2.055529, 2.051831, 2.048407, 2.045230, 2.042272, 2.039513, 2.036933,
    2.034515, 2.032245, 2.030108, 2.028094, 2.026192, 2.024394, 2.022691, 2.021075,
    2.019541, 2.018082, 2.016692, 2.015368, 2.014103, 2.012896, 2.011741, 2.010635,
    2.009575, 2.008559, 2.007584, 2.006647, 2.005746, 2.004879, 2.004045, 2.003241,
    2.002465, 2.001717, 2.000995, 2.000298, 1.999624, 1.998972, 1.998341, 1.997730,
    1.997138, 1.996564, 1.996008, 1.995469, 1.994945, 1.994437, 1.993943, 1.993464,
    1.992997, 1.992543, 1.992102, 1.991673, 1.991254, 1.990847, 1.990450, 1.990063,
    1.989686, 1.989319, 1.988960, 1.988610, 1.988268, 1.987934, 1.987608, 1.987290,
    1.986979, 1.986675, 1.986377, 1.986086, 1.985802, 1.985523, 1.985251, 1.984984,
    1.984723, 1.984467, 1.984217, 1.983972, 1.983731, 1.983495, 1.983264, 1.983038,
    1.982815, 1.982597, 1.982383, 1.982173, 1.981967, 1.981765, 1.981567, 1.981372,
    1.981180, 1.980992, 1.980808, 1.980626, 1.980448, 1.980272, 1.980100, 1.979930,
)  # fmt: skip


def t_975(df: int) -> float:
    """Student's t 0.975 quantile (a two-sided 95% interval) for `df` degrees of freedom."""
    if isinstance(df, bool) or not isinstance(df, int) or df < 1:
        raise ValueError("degrees of freedom must be a whole number of at least 1")
    if df <= len(_T_975):
        return _T_975[df - 1]
    z = Z_975  # Cornish-Fisher: t = z + (z^3 + z) / 4v + (5z^5 + 16z^3 + 3z) / 96v^2
    return z + (z**3 + z) / (4 * df) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)


@dataclass(frozen=True)
class MeanCI:
    """A mean with n and its two-sided 95% confidence interval (None when n < 2)."""

    n: int
    mean: float | None
    low: float | None
    high: float | None


def mean_ci_from_sums(n: int, total: float, total_sq: float) -> MeanCI:
    """Mean and t-based 95% CI from n, Σx and Σx²; exact for the integer sums ratings give."""
    if n == 0:
        return MeanCI(0, None, None, None)
    mean = total / n
    if n < 2:
        return MeanCI(n, mean, None, None)
    var = max((total_sq - total * total / n) / (n - 1), 0.0)
    half = t_975(n - 1) * math.sqrt(var / n)
    return MeanCI(n, mean, mean - half, mean + half)
