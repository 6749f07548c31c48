"""The gateway's counters reach Prometheus through prometheus_client: typed, documented families
whose names and labels stay what scrapes already use, ``reason`` only where there is one."""

from __future__ import annotations

from collections import Counter

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from telematics.gateway.counters import Counters


def exposition(counters: Counters) -> str:
    registry = CollectorRegistry(auto_describe=False)  # as the gateway's app builds it
    registry.register(counters)
    return generate_latest(registry).decode()


def scrape(counters: Counters) -> dict[str, tuple[str, str, list[tuple[dict[str, str], float]]]]:
    """Family name -> (type, help, samples), as Prometheus' own parser reads the exposition."""
    text = exposition(counters)
    return {
        family.name: (
            family.type,
            family.documentation,
            [(s.labels, s.value) for s in family.samples],
        )
        for family in text_string_to_metric_families(text)
    }


def test_counters_are_typed_families_with_the_names_scrapes_use() -> None:
    counters = Counters()
    counters.add("osmand", "fixes", amount=3)
    counters.add("gt06", "frames")
    counters.add("gt06", "frames")
    counters.add("jt808", "refused", "unknown_device")
    families = scrape(counters)
    assert families["coopfleet_gateway_fixes"][:2] == ("counter", "fixes published to the broker")
    assert families["coopfleet_gateway_fixes"][2] == [({"protocol": "osmand"}, 3.0)]
    assert families["coopfleet_gateway_frames"][2] == [({"protocol": "gt06"}, 2.0)]
    assert families["coopfleet_gateway_refused"][2] == [
        ({"protocol": "jt808", "reason": "unknown_device"}, 1.0)
    ]
    assert 'coopfleet_gateway_fixes_total{protocol="osmand"} 3.0' in exposition(counters)


def test_a_label_value_with_quotes_is_escaped_not_breaking_the_exposition() -> None:
    counters = Counters()
    counters.add("osmand", "refused", 'odd "reason" \\ here')
    families = scrape(counters)
    assert families["coopfleet_gateway_refused"][2] == [
        ({"protocol": "osmand", "reason": 'odd "reason" \\ here'}, 1.0)
    ]


def test_no_counts_no_counter_families_only_the_processes() -> None:
    assert scrape(Counters()) == {
        "coopfleet_gateway_processes": (
            "gauge",
            "gateway processes whose counts are included",
            [({}, 1.0)],
        )
    }


def test_the_other_processes_counts_are_added() -> None:
    counters = Counters()
    counters.add("gt06", "frames", amount=2)
    counters.others[101] = Counter({("gt06", "frames", ""): 5, ("jt808", "frames", ""): 1})
    counters.others[102] = Counter({("gt06", "frames", ""): 1})
    families = scrape(counters)
    assert families["coopfleet_gateway_frames"][2] == [
        ({"protocol": "gt06"}, 8.0),
        ({"protocol": "jt808"}, 1.0),
    ]
    assert families["coopfleet_gateway_processes"][2] == [({}, 3.0)]
