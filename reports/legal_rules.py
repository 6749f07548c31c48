"""The rules page's content, generated from the versioned rule table (``fleet.legal``) and the
papers dispatch checks (``fleet.eligibility``): what is in force on a day, what changed on which
date, and the source of each rule, in Vietnamese and English. Every figure and date comes from
those tables: when the table changes, the page changes."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import fields
from datetime import date
from typing import Any

from fleet.eligibility import DRIVER_PAPERS, VEHICLE_PAPERS
from fleet.legal import (
    DRIVING_RULES,
    TRANSMISSION_RULES,
    DrivingRules,
    TransmissionRules,
    driving_rules_on,
    transmission_rules_on,
)

Pair = tuple[str, str]
Rule = DrivingRules | TransmissionRules


def _hours(seconds: int) -> str:
    return f"{seconds / 3600:g}"


def _minutes(seconds: int) -> str:
    return f"{seconds / 60:g}"


# One sentence per field of a rule, for a value and for "no limit"; {v} is the value.
_DRIVING: dict[str, tuple[Pair, Pair | None]] = {
    "continuous_max_s": (
        ("Lái xe liên tục không quá {v} giờ", "No more than {v} hours of continuous driving"),
        None,
    ),
    "break_min_s": (
        ("Nghỉ ít nhất {v} phút thì hết lái liên tục",
         "A break of at least {v} minutes ends continuous driving"),
        None,
    ),
    "warn_before_s": (
        ("Thiết bị cảnh báo trước {v} phút khi sắp hết thời gian lái liên tục",
         "The device warns {v} minutes before the continuous-driving limit"),
        None,
    ),
    "daily_max_s": (
        ("Thời gian lái trong ngày không quá {v} giờ", "No more than {v} hours of driving a day"),
        ("Không còn giới hạn thời gian lái trong ngày trong luật giao thông "
         "(theo Bộ luật Lao động)",
         "No daily driving cap in the traffic law any more (the labour code applies)"),
    ),
    "weekly_max_s": (
        ("Thời gian lái trong tuần không quá {v} giờ", "No more than {v} hours of driving a week"),
        ("Không có giới hạn thời gian lái trong tuần trong luật giao thông",
         "No weekly driving cap in the traffic law"),
    ),
    "force_majeure_excuses": (
        ("Trường hợp bất khả kháng có ghi lý do được miễn vi phạm lái liên tục",
         "Force majeure, with a recorded reason, may excuse a continuous-driving violation"),
        ("Không có ngoại lệ bất khả kháng", "No force-majeure exception"),
    ),
}  # fmt: skip
_TRANSMISSION: dict[str, tuple[Pair, Pair | None]] = {
    "moving_max_s": (
        ("Khi xe chạy: gửi dữ liệu ít nhất {v} giây một lần",
         "While moving: a message at least every {v} seconds"),
        None,
    ),
    "stopped_max_s": (
        ("Khi xe dừng: gửi dữ liệu ít nhất {v} phút một lần",
         "While stopped: a message at least every {v} minutes"),
        None,
    ),
}  # fmt: skip
_UNITS: dict[str, Callable[[int], str]] = {
    "continuous_max_s": _hours,
    "daily_max_s": _hours,
    "weekly_max_s": _hours,
    "break_min_s": _minutes,
    "warn_before_s": _minutes,
    "stopped_max_s": _minutes,
    "moving_max_s": str,
}
PAPERS: dict[str, Pair] = {
    "licence": ("Giấy phép lái xe còn hạn", "A valid driving licence"),
    "badge": ("Phù hiệu còn hạn", "A valid operating badge"),
    "inspection": ("Đăng kiểm còn hạn", "A valid inspection"),
    "insurance": ("Bảo hiểm trách nhiệm dân sự còn hạn", "Valid civil-liability insurance"),
}


def _sentence(table: dict[str, tuple[Pair, Pair | None]], name: str, value: Any, lang: int) -> str:
    with_value, without = table[name]
    if value is None or value is False:
        return (without or with_value)[lang].replace("{v}", "–")
    if value is True:
        return with_value[lang]
    return with_value[lang].replace("{v}", _UNITS[name](value))


def _since(versions: Sequence[Rule], current: Rule, name: str) -> str:
    """The first day of the run of versions, up to ``current``, with the same value."""
    since = current.effective_from
    for version in reversed([v for v in versions if v.effective_from <= current.effective_from]):
        if getattr(version, name) != getattr(current, name):
            break
        since = version.effective_from
    return since.isoformat()


def _rules(versions: Sequence[Rule], rule: Rule, lang: int) -> list[dict[str, str]]:
    table = _DRIVING if isinstance(rule, DrivingRules) else _TRANSMISSION
    return [
        {"key": f.name, "text": _sentence(table, f.name, getattr(rule, f.name), lang),
         "source": rule.source, "since": _since(versions, rule, f.name)}
        for f in fields(rule)
        if f.name in table
    ]  # fmt: skip


def _changes(versions: Sequence[Rule], lang: int) -> list[dict[str, Any]]:
    """Each version after the first, with the sentences whose value it changed."""
    changes = []
    for before, after in itertools.pairwise(versions):
        table = _DRIVING if isinstance(after, DrivingRules) else _TRANSMISSION
        changed = [
            _sentence(table, name, getattr(after, name), lang)
            for name in table
            if getattr(before, name) != getattr(after, name)
        ]
        if changed:
            changes.append(
                {"on": after.effective_from.isoformat(), "source": after.source, "changes": changed}
            )
    return changes


def rules_page(today: date, language: str) -> dict[str, Any]:
    """What the law asks today of a driver and of a vehicle owner, and the history of changes
    (newest first)."""
    lang = 1 if language == "en" else 0
    driving = driving_rules_on(today)
    transmission = transmission_rules_on(today)
    changes = _changes(DRIVING_RULES, lang) + _changes(TRANSMISSION_RULES, lang)
    changes.sort(key=lambda change: change["on"], reverse=True)
    past = [change for change in changes if change["on"] <= today.isoformat()]
    return {
        "today": today.isoformat(),
        "driver": _rules(DRIVING_RULES, driving, lang)
        + [{"key": p, "text": PAPERS[p][lang], "source": "", "since": ""} for p in DRIVER_PAPERS],
        "owner": _rules(TRANSMISSION_RULES, transmission, lang)
        + [{"key": p, "text": PAPERS[p][lang], "source": "", "since": ""} for p in VEHICLE_PAPERS],
        "changes": changes,
        "last_change": past[0]["on"] if past else None,
    }
