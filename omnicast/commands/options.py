"""Parsing of command-line shapes ('a,b,c', 'control=1,treatment=1') into typed values.

Only commands use this: domain packages take tuples, dicts and specs, never
option strings, and their errors never name an option. A wrong shape here is
an `OptionError` whose message names the option, printed like any user error.
"""

from __future__ import annotations

from omnicast.errors import OmnicastError


class OptionError(OmnicastError):
    """A command-line option does not have the shape it needs; the message names the option."""


def csv_list(value: str | None) -> tuple[str, ...]:
    """'store_id, sku' -> ('store_id', 'sku'); None or blanks -> ()."""
    return tuple(v.strip() for v in value.split(",") if v.strip()) if value else ()


def weights(text: str | None, option: str) -> dict[str, float] | None:
    """'control=1,treatment=1' -> {'control': 1.0, 'treatment': 1.0}; None or '' -> None.

    Only the shape is checked here (a name and a number per part, no name twice);
    whether the weights make a valid split is the experiment's to say.
    """
    if not text:
        return None
    out: dict[str, float] = {}
    for part in text.split(","):
        name, _, value = part.rpartition("=")
        name = name.strip()
        try:
            weight = float(value)
        except ValueError:
            weight = None
        if not name or weight is None:
            raise OptionError(f"{option} must look like 'control=1,treatment=1', got {text!r}")
        if name in out:
            raise OptionError(f"{option} names {name!r} twice in {text!r}")
        out[name] = weight
    return out
