"""A mean with its two-sided 95% confidence interval, from the sums the log keeps.

The interval needs Student's t 0.975 quantile for n - 1 degrees of freedom; it comes
from `student_t`, the one home of the t code (the comparison trial uses it too).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from student_t import t_quantile


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
    half = t_quantile(0.975, n - 1) * math.sqrt(var / n)
    return MeanCI(n, mean, mean - half, mean + half)
