"""Language identification: the interface and registry (:mod:`cleaner.langid.base`), the
default identifier, langdetect made deterministic and fast (:mod:`cleaner.langid.detect`),
and faster options whose model ships in their wheel (:mod:`cleaner.langid.bundled`)."""
from cleaner.langid import bundled, detect  # noqa: F401 - registered on import
