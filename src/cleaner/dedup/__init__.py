"""Deduplication: exact and near-duplicate (MinHash LSH) detection over the clean documents."""
