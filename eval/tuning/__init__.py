"""Tuning: the tier-budget sweep, chosen on one split and judged on the other."""
