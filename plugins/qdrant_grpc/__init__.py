"""qdrant_grpc plugin."""
