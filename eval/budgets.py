"""The context-token budgets that the report, the comparisons and the sweep lead with.

Every figure is measured at each of ``EvalConfig.budgets``; these are the ones
read first: the summary's and the evidence table's columns, the budgets of
"ours vs the best peer", and the sweep's objective. ``HEADLINE_BUDGET`` is
the one our best row is chosen at, the TREC runs are written at and the
redundancy and category figures are given at.
"""

__all__ = ["HEADLINE_BUDGET", "HEADLINE_BUDGETS"]

HEADLINE_BUDGETS = (512, 1024, 2048)
HEADLINE_BUDGET = 1024
