"""The evaluation harness: duplicates, retrieval quality and extraction cost."""

__all__: list[str] = []
