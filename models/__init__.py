"""The spaCy claim extractor. Importing this package registers the pipeline components
(``claim_layout``, ``claim_quantities``, ``claim_cues``, ``claim_signals``,
``claim_candidates``), so a saved pipeline loads with ``spacy.load``."""

from models import components  # noqa: F401  (registers the @Language.factory components)
