"""qdrant_rest plugin."""
