"""Marketer-facing output: one self-contained HTML page, plus JSON and CSV of every number."""
