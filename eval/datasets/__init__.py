"""Datasets: the conversations searched, the queries and their gold answers.

:mod:`eval.datasets.model` holds the types, :mod:`eval.datasets.loading` picks
a reader by what a path holds: the fixtures' manifest format
(:mod:`eval.datasets.synthetic`) or a LoCoMo-format file
(:mod:`eval.datasets.locomo`).
"""
