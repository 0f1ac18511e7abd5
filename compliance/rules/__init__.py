"""Rulebook data files: ``national.yaml`` and one overlay per region key (docs/rulebook.md)."""
