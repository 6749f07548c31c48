"""Travel-time providers: the offline great circle, and an OSRM-compatible table service
(a local fake speaking its format over HTTP)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from routing.matrix import CachedTables, GreatCircle, OsrmTable


class FakeOsrm(BaseHTTPRequestHandler):
    """Answers /table/v1/driving/{lon,lat;…} with 100 s and 1,000.4 m per index step; a point
    at longitude 0 is unreachable (null), as OSRM reports it."""

    requests = 0

    def do_GET(self) -> None:
        FakeOsrm.requests += 1
        body: dict[str, object]
        path = self.path.split("?")[0]
        points = [p.split(",") for p in path.split("/")[-1].split(";")]
        if len(points) < 2:
            body = {"code": "InvalidQuery", "message": "need two points"}
        else:
            blocked = {i for i, (lon, _) in enumerate(points) if float(lon) == 0}

            def cell(i: int, j: int, unit: float) -> float | None:
                return None if (i in blocked) != (j in blocked) else abs(i - j) * unit

            n = range(len(points))
            body = {
                "code": "Ok",
                "durations": [[cell(i, j, 100.2) for j in n] for i in n],
                "distances": [[cell(i, j, 1000.4) for j in n] for i in n],
            }
        data = json.dumps(body).encode()
        self.send_response(200 if body["code"] == "Ok" else 400)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def osrm() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), FakeOsrm)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_osrm_table_is_read_and_rounded_up(osrm: str) -> None:
    durations, distances = OsrmTable(osrm).table([(106.8, 10.9), (106.9, 10.9), (107.0, 10.9)])
    assert durations.tolist() == [[0, 101, 201], [101, 0, 101], [201, 101, 0]]
    assert distances[0, 2] == 2001


def test_osrm_unreachable_pairs_are_huge(osrm: str) -> None:
    durations, _ = OsrmTable(osrm).table([(106.8, 10.9), (0.0, 0.0)])
    assert durations[0, 1] >= 10**9 and durations[0, 0] == 0


def test_osrm_errors_are_raised(osrm: str) -> None:
    with pytest.raises(Exception, match="400"):
        OsrmTable(osrm).table([(106.8, 10.9)])


def test_great_circle_is_symmetric_and_rounded_up() -> None:
    durations, distances = GreatCircle().table([(106.8, 10.9), (106.9, 10.9)], "truck")
    assert durations[0, 1] == durations[1, 0] > 0 and distances[0, 1] > 10_000


def test_cached_tables_ask_the_provider_once_per_table(osrm: str) -> None:
    cache = CachedTables(max_cells=20)
    road = cache.over(OsrmTable(osrm))
    here = [(106.8, 10.9), (106.9, 10.9), (107.0, 10.9)]
    before = FakeOsrm.requests
    first = road.table(here)
    again = road.table(list(here))  # an equal list of points, not the same object
    assert FakeOsrm.requests == before + 1 and (cache.hits, cache.misses) == (1, 1)
    assert (again[0] == first[0]).all() and (again[1] == first[1]).all()
    road.table(here, "coach")  # another kind is another table
    cache.over(OsrmTable(osrm, profile="truck")).table(here)  # another provider too
    assert FakeOsrm.requests == before + 3
    road.table([(106.8, 10.9), (106.95, 10.9)])  # 9 + 9 + 9 + 4 cells > 20: the oldest goes
    road.table(here)
    assert FakeOsrm.requests == before + 5
