"""The synthetic omnichannel retailer (`omnicast data generate`).

Every source table of the contracts is generated from latent causes -- shopper
segments and preferences, seasonality, events, prices and promotions, stock and
replenishment, one person behind several source ids -- and the causes are kept
as ground truth under raw/truth/ so models can be scored against them.
"""

from __future__ import annotations

from features.synthetic.config import GeneratorConfig, GeneratorConfigError
from features.synthetic.generate import generate

__all__ = ["GeneratorConfig", "GeneratorConfigError", "generate"]
