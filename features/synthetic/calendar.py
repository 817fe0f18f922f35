"""The days of history: weekdays, season phase and retail events (holidays, Black Friday).

Events are public knowledge (a forecaster may use them as features); their
effect sizes are latent and live in `demand`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

# event name -> (store multiplier, online multiplier); 0 means stores are closed.
EVENT_EFFECTS: dict[str, tuple[float, float]] = {
    "new_years_day": (0.0, 0.7),
    "easter_saturday": (1.35, 1.1),
    "easter_sunday": (0.0, 0.9),
    "black_friday": (2.4, 2.8),
    "black_friday_weekend": (1.5, 1.6),
    "cyber_monday": (1.1, 2.6),
    "christmas_eve": (1.4, 0.8),
    "christmas_day": (0.0, 0.5),
    "boxing_day": (1.7, 1.5),
    "new_years_eve": (1.1, 0.8),
}


@dataclass(frozen=True)
class Calendar:
    dates: np.ndarray  # datetime64[D], shape (D,)
    dow: np.ndarray  # 0 = Monday
    year_phase: np.ndarray  # day of year / 365.25 in [0, 1)
    event: np.ndarray  # object array: event name or ""
    store_mult: np.ndarray  # event multiplier for stores
    online_mult: np.ndarray  # event multiplier for DCs
    xmas_ramp: np.ndarray  # 0..1 over 1-23 December, for gift categories
    date_strings: list[str]  # ISO dates, one per day

    @property
    def n(self) -> int:
        return len(self.dates)


def easter(year: int) -> date:
    """Gregorian Easter Sunday (anonymous algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    ll = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ll) // 451
    month = (h + ll - 7 * m + 114) // 31
    day = (h + ll - 7 * m + 114) % 31 + 1
    return date(year, month, day)


def retail_events(year: int) -> dict[date, str]:
    nov1 = date(year, 11, 1)
    thanksgiving = nov1 + timedelta(days=(3 - nov1.weekday()) % 7 + 21)
    bf = thanksgiving + timedelta(days=1)
    sunday = easter(year)
    return {
        date(year, 1, 1): "new_years_day",
        sunday - timedelta(days=1): "easter_saturday",
        sunday: "easter_sunday",
        bf: "black_friday",
        bf + timedelta(days=1): "black_friday_weekend",
        bf + timedelta(days=2): "black_friday_weekend",
        bf + timedelta(days=3): "cyber_monday",
        date(year, 12, 24): "christmas_eve",
        date(year, 12, 25): "christmas_day",
        date(year, 12, 26): "boxing_day",
        date(year, 12, 31): "new_years_eve",
    }


def build_calendar(start: date, days: int) -> Calendar:
    dates = np.datetime64(start, "D") + np.arange(days)
    day_numbers = dates.astype(np.int64)
    dow = (day_numbers + 3) % 7  # 1970-01-01 was a Thursday
    years = dates.astype("datetime64[Y]")
    year_phase = (dates - years.astype("datetime64[D]")).astype(np.int64) / 365.25
    pydates = dates.astype(object)
    events: dict[date, str] = {}
    for year in range(pydates[0].year, pydates[-1].year + 1):
        events.update(retail_events(year))
    event = np.array([events.get(d, "") for d in pydates], dtype=object)
    store_mult = np.array([EVENT_EFFECTS.get(e, (1.0, 1.0))[0] for e in event])
    online_mult = np.array([EVENT_EFFECTS.get(e, (1.0, 1.0))[1] for e in event])
    month = dates.astype("datetime64[M]").astype(np.int64) % 12 + 1
    dom = (dates - dates.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1
    xmas_ramp = np.where((month == 12) & (dom <= 23), dom / 23.0, 0.0)
    return Calendar(
        dates=dates,
        dow=dow,
        year_phase=year_phase,
        event=event,
        store_mult=store_mult,
        online_mult=online_mult,
        xmas_ramp=xmas_ramp,
        date_strings=[str(d) for d in dates],
    )
