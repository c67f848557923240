"""Loading datasets: ``LOADERS`` by kind, and :func:`load_dataset`, which picks one."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from eval.datasets.locomo import load_locomo_dataset
from eval.datasets.model import Dataset
from eval.datasets.synthetic import load_synthetic
from eval.errors import DatasetError, UnknownNameError

__all__ = ["LOADERS", "Loader", "load_dataset"]

Loader = Callable[[Path], Dataset]


LOADERS: dict[str, Loader] = {"synthetic": load_synthetic, "json": load_locomo_dataset}
"""Dataset loaders by kind; ``load_dataset`` detects the kind from the path."""


def load_dataset(path: str | Path, *, kind: str | None = None) -> Dataset:
    """Load the dataset at ``path``.

    A directory with ``manifest.json`` is ``synthetic``; a ``.json`` file is a
    LoCoMo-format file.

    Raises:
        DatasetError: nothing at ``path`` (not found), or the files cannot be
            read or their gold does not match the text.
        UnknownNameError: ``kind`` is not a key of ``LOADERS``, or the path's
            kind cannot be told.
    """
    path = Path(path)
    if not path.exists():
        raise DatasetError(
            f"dataset {str(path)!r} not found; expected a fixtures directory with manifest.json "
            "or a LoCoMo-format .json file"
        )
    if kind is None:
        kind = "synthetic" if (path / "manifest.json").exists() else path.suffix.lstrip(".")
    try:
        loader = LOADERS[kind]
    except KeyError:
        raise UnknownNameError("dataset kind", kind, LOADERS) from None
    return loader(path)
