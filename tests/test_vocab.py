"""annotations.vocab: the words for on and off, read the same way by the settings, the
environment and the export options."""

from __future__ import annotations

import pytest

from annotations.errors import ValidationError
from annotations.vocab import parse_switch


@pytest.mark.parametrize(
    ("value", "on"),
    [(True, True), (False, False), ("on", True), (" YES ", True), ("1", True), ("True", True),
     ("off", False), ("No", False), ("0", False), ("false", False), (1, True), (0, False)],
)
def test_switch_words(value, on):
    assert parse_switch("blind_review", value) is on


@pytest.mark.parametrize("value", ["maybe", "", 2, None, "enabled"])
def test_anything_else_is_refused_with_the_words_allowed(value):
    with pytest.raises(ValidationError, match=rf"^blind_review must be on or off \(true/false, yes/no, 1/0\); "
                                              rf"got {value!r}$"):
        parse_switch("blind_review", value)
