"""The statistics behind experiment analysis, one method per module.

Every function works on per-arm summaries (n, mean, variance) held in numpy
arrays, so one call answers many cells (segments, metrics) at once. The formulas
follow GrowthBook's gbstats where the method is the same (docs/EXPERIMENTS.md).
"""
