"""The numbers the rules and techniques use, beyond the default caps.

Most of these are **design** values (docs/safety-and-care.md): no source gives a
number for a hand-sized air-bag massager, so they are product decisions and every reason
shown to the person says so. The default caps, the hard ceilings and the units they
share with the device are `massage`'s (defined once for every layer).
"""

from __future__ import annotations

from typing import Final

from massage import MINUTE

# design: cleared cap for osteoporosis, anticoagulants and a past DVT (about 40 mmHg is
# used after a past DVT on limb pumps; the hand gets less).
CLEARED_FRAGILE_MAX_PRESSURE_MMHG: Final = 30
# design: cap for mild reduced sensation (also used for new tingling on a check-in).
REDUCED_SENSATION_MAX_PRESSURE_MMHG: Final = 40
# design: "shorter sessions" after a past DVT; the notes give no number, we take two
# thirds of the 15-minute default.
SHORT_SESSION_S: Final = 10 * MINUTE
# design: the "gentle programs only" pressure on an arthritis-flare day; same as the
# cleared cap for fragile tissue, the lowest cap we use elsewhere.
FLARE_MAX_PRESSURE_MMHG: Final = 30
# design: a check-in discomfort of 7/10 or more suggests postponing (7-10 is the usual
# "severe" band of the 0-10 numeric rating scale).
POSTPONE_DISCOMFORT_AT: Final = 7
# Maker guidance: at most three uses a day (docs/safety-and-care.md, "Session length").
MAX_SESSIONS_PER_DAY: Final = 3
# design: screen again after six months (issue 5) or when the rules version changes.
RESCREEN_AFTER_MONTHS: Final = 6

# design: the warmth techniques ask for by default: 40 °C, below the 41 °C an IEC 60601-1
# interpretation puts on applied parts and below the 42 °C default cap.
WARM_DC: Final = 400
