"""Parsing: raw record bytes to a normalised Document (decoding, HTML extraction, normalisation)."""
