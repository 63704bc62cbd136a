"""HTML: main-text extraction, its external extractors, titles and the page's metadata."""
