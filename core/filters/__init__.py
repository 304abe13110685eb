"""Qdrant's payload filter language: the AST, per-point evaluation, payload indexes, planning."""
