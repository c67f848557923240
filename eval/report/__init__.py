"""The report of a run: markdown sections, plots, per-query and TREC files.

Rendering is pure: :mod:`eval.report.sections` turns a run's figures into
markdown, :mod:`eval.report.plots` draws them, and :mod:`eval.report.write`
is the one step that writes files.
"""
