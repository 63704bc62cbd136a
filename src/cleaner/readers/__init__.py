"""Readers: input files found, their format chosen, and their records read (text, HTML, JSON Lines, WARC)."""
