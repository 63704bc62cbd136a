"""cleaner: strip boilerplate from scraped text and HTML into a clean corpus with provenance."""
from cleaner.api import CleanResult, clean_html, clean_text
from cleaner.config import Config
from cleaner.document import Document, Removal, Source
from cleaner.engines.run import run
from cleaner.pipeline import Pipeline
from cleaner.rules.model import Rule, RuleError, RuleSet


__version__ = "0.1.0"
__all__ = ["CleanResult", "Config", "Document", "Pipeline", "Removal", "Rule", "RuleError", "RuleSet",
           "Source", "clean_html", "clean_text", "run", "__version__"]
