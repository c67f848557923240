"""The public API of ``extraction``."""

from __future__ import annotations

import extraction


def test_all_is_sorted_and_every_name_exists() -> None:
    def kind(name: str) -> tuple[int, str]:  # constants, classes, functions (ruff's order)
        return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)

    assert extraction.__all__ == sorted(extraction.__all__, key=kind)
    for name in extraction.__all__:
        assert hasattr(extraction, name), name
