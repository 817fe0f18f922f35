"""A/B tests: assignment, analysis (the stats engine) and marketer reports (see docs/EXPERIMENTS.md).

- assign: deterministic hashed assignment with weights, holdout and exclusive layers; exposure log
- metrics: declarative metric specs (binary, continuous, ratio; direction; guardrail)
- outcomes: per-unit outcomes from validated exposures + transactions (DuckDB)
- inputs: a flat per-unit CSV, with rejected rows kept aside
- stats/: Welch, delta method, CUPED, always-valid sequences, Bayes, SRM, Holm, power
- analysis: SRM first, every comparison, Holm, guardrails, segments, the verdict
- trajectory: the result day by day (what peeking would have shown)
- report/: one self-contained HTML page, JSON and CSV
- service: CSV or platform data -> report; demo: the synthetic offer-policy test vs its truth
- validation: Monte-Carlo error rates (A/A, A/B coverage, peeking)
"""
