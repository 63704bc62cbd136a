"""Blocks that run cleaner inside other projects' pipelines (optional extras)."""
