"""Omnicast: ML personalization and demand forecasting for omnichannel retailers.

This package is the thin shell (CLI, settings, logging). Domain logic lives in
the sibling packages `features`, `training`, `serving`, `experiments` and
`monitoring`, each owning one stage of the data flow (see docs/ARCHITECTURE.md).
"""

__version__ = "0.1.0"
