"""Every word the driver app shows exists in Vietnamese and English (no browser needed)."""

from __future__ import annotations

import re
from pathlib import Path

from api.driver_app_texts import _APP, LANGUAGES, texts_for
from routing.lifecycle import TRANSITIONS, FailureReason

API = Path(__file__).resolve().parents[2] / "api"


def used_keys() -> set[str]:
    keys: set[str] = set()
    for source in (API / "templates" / "app").glob("*"):
        keys |= set(re.findall(r"\bt\.([a-z_0-9]+)", source.read_text()))
    for module in (API / "static" / "app").glob("*.js"):
        keys |= set(re.findall(r'\bt\("([a-z_0-9]+)"', module.read_text()))
    # keys the modules build: the job's next step, each failure reason, each stop's kind
    keys |= {f"step_{status}" for status in ("en_route_pickup", "at_pickup", "picked_up")}
    keys |= {f"step_{status}" for status in ("en_route_dropoff", "at_dropoff", "delivered")}
    keys |= {f"reason_{reason}" for reason in FailureReason} | {"pickup", "dropoff"}
    keys |= {f"order_status_{status}" for status in TRANSITIONS}
    return keys


def test_every_key_used_has_both_languages() -> None:
    keys = used_keys()
    assert len(keys) > 80  # the scan found the app's words
    for language in LANGUAGES:
        texts = texts_for(language)
        assert sorted(keys - texts.keys()) == [], language
        assert all(texts[key].strip() for key in keys), language


def test_placeholders_match_between_languages() -> None:
    for key, (vietnamese, english) in _APP.items():
        assert set(re.findall(r"\{(\w+)\}", vietnamese)) == set(
            re.findall(r"\{(\w+)\}", english)
        ), key
