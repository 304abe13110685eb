"""A collection's vector storage: one column per vector name (`columns`: dense, sparse,
multi), their distances (`distance`), the HNSW graphs (`hnsw`) and their upkeep
(`graphs`)."""
