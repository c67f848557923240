"""Fact extraction and memory generation over the chunk tiers."""

__all__: list[str] = []
