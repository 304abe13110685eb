"""Benchmarks: scripts that measure Vectorizer beside what a user would pick instead.

``python -m benchmarks run [--size small|full]`` runs the suite (see ``__main__``);
``benchmarks/filtered_search.py`` is a standalone script. Nothing here fails on a number.
"""
