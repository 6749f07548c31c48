"""Every word the console shows exists in Vietnamese and English (no browser needed)."""

from __future__ import annotations

import re
from pathlib import Path

from api.console_texts import LANGUAGES, TEXTS, texts_for

CONSOLE = Path(__file__).resolve().parents[2] / "api"


def used_keys() -> set[str]:
    keys: set[str] = set()
    for template in (CONSOLE / "templates" / "console").glob("*.html"):
        keys |= set(re.findall(r"\bt\.([a-z_0-9]+)", template.read_text()))
    for module in (CONSOLE / "static" / "console").glob("*.js"):
        keys |= set(re.findall(r'\bt\("([a-z_0-9]+)"', module.read_text()))
    return keys


def test_every_key_used_has_both_languages() -> None:
    keys = used_keys()
    assert len(keys) > 100  # the scan found the pages' words
    assert sorted(keys - TEXTS.keys()) == []
    for language in LANGUAGES:
        texts = texts_for(language)
        assert all(texts[key].strip() for key in keys), language


def test_placeholders_match_between_languages() -> None:
    def names(text: str) -> set[str]:
        return set(re.findall(r"\{(\w+)\}", text))

    for key, (vietnamese, english) in TEXTS.items():
        assert names(vietnamese) == names(english), key
