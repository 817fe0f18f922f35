"""The generated world, built in causal order from one config and its random streams."""

from __future__ import annotations

import numpy as np

from features.synthetic import catalog, customers, demand, events, experiment, orders, response
from features.synthetic.calendar import build_calendar
from features.synthetic.config import GeneratorConfig
from omnicast.progress import track

DAY = 86400


class World:
    """Latent causes first, then what they produce; tables and truth are read off it."""

    def __init__(self, cfg: GeneratorConfig) -> None:
        self.cfg = cfg
        self.rng = cfg.rngs()
        self.cal = build_calendar(cfg.start_date, cfg.days)
        self.start_epoch = int(self.cal.dates[0].astype(np.int64)) * DAY
        self.end_epoch = self.start_epoch + cfg.days * DAY
        stages = (self._catalog, self._shoppers, self._stock, self._orders, self._clickstream, self._consents)
        for stage in track(stages, "simulating the retailer"):
            stage()

    def _catalog(self) -> None:
        cfg, r = self.cfg, self.rng
        self.loc = catalog.build_locations(cfg, r["catalog"])
        self.prod = catalog.build_products(cfg, self.cal, r["catalog"])
        self.prices = catalog.build_prices(cfg, self.cal, self.loc, self.prod, r["prices"])

    def _shoppers(self) -> None:
        cfg, r = self.cfg, self.rng
        self.persons = customers.build_persons(cfg, self.loc, cfg.days, r["customers"])
        self.ids = customers.build_identities(cfg, self.persons, self.loc, self.start_epoch, r["identities"])
        self.consent_plan = customers.plan_consents(self.persons, self.ids, r["consents"])
        marketing_ok = self.consent_plan.marketing_allowed(self.ids.n)
        self.response = response.build(self.persons, self.prod, cfg.experiment_uplift_scale)
        self.experiments = [
            experiment.plan(design, cfg, self.persons, self.ids, marketing_ok, self.loc, self.prod,
                            self.start_epoch, r["experiment"], self.response.uplift)
            for design in experiment.designs(cfg)
        ]
        self.offers = catalog.build_offers(cfg, self.cal, self.prod, customers.SEGMENTS, r["offers"])

    def _stock(self) -> None:
        extra = np.zeros(self.prices.price.shape, dtype=np.int32)
        for exp in self.experiments:
            exp.add_extra_units(extra)
        self.demand = demand.simulate(self.cfg, self.cal, self.loc, self.prod, self.prices, extra,
                                      self.rng["demand"], self.rng["inventory"])

    def _orders(self) -> None:
        cfg, r = self.cfg, self.rng
        lines = orders.build_lines(cfg, self.demand, self.experiments, self.loc, self.prod, self.prices,
                                   self.persons, self.ids, self.start_epoch, r["orders"])
        lines = orders.add_returns(cfg, lines, self.prod, self.start_epoch, self.end_epoch, r["returns"])
        self.lines = orders.export_order(lines, orders.order_numbers(lines))
        self.order_number = orders.order_numbers(self.lines)

    def _clickstream(self) -> None:
        self.events, self.event_vocab = events.build_events(
            self.cfg, self.lines, self.persons, self.ids, self.loc, self.prod, self.start_epoch, self.rng["events"])

    def _consents(self) -> None:
        self.first_seen = self._first_seen(self.rng["identities"])
        self.consents = customers.build_consents(self.consent_plan, self.ids, self.first_seen, self.end_epoch)

    def _first_seen(self, rng: np.random.Generator) -> np.ndarray:
        """A ref is first seen no later than its first order, event or experiment exposure."""
        first = self.ids.first_seen.copy()
        seen = [(self.lines["ref_row"], self.lines["ts"]), (self.events["ref_row"], self.events["ts"])]
        seen += [(exp.unit_row, exp.exposure_ts) for exp in self.experiments]
        for ref, ts in seen:
            known = ref >= 0
            np.minimum.at(first, ref[known], ts[known] - 60)
        return first - rng.integers(0, 3600, first.size) * (first < self.ids.first_seen)

    @property
    def stocked_ids(self) -> np.ndarray:
        return self.loc.ids[self.loc.stocked]

    @property
    def epoch_days(self) -> np.ndarray:
        return self.cal.dates.astype(np.int64)
