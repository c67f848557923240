"""The evaluation harness: retrieval quality, duplicates, re-import rows and extraction cost.

``python -m eval run`` (``make eval``) evaluates a dataset and writes the
report; the pieces are usable on their own: datasets (:func:`load_dataset`),
retrieval strategies (``STRATEGIES``), metrics (``METRICS``), :func:`evaluate`
and :func:`write_report`. Heavy dependencies (numpy, bm25s, matplotlib) are
imported only when used.
"""

from eval.config import EvalConfig
from eval.datasets.loading import load_dataset
from eval.metrics import METRICS, get_metric
from eval.report.write import write_report
from eval.retrieval import STRATEGIES
from eval.runner import evaluate

__all__ = [  # noqa: RUF022 - plain sorted order, as tests/test_architecture.py checks
    "EvalConfig",
    "METRICS",
    "STRATEGIES",
    "evaluate",
    "get_metric",
    "load_dataset",
    "write_report",
]
