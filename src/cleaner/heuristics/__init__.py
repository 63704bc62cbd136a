"""Heuristics over a document's lines: the body locator, line features and the recurring-line count."""
