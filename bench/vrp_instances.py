"""Loaders for the shared routing benchmarks: Li & Lim PDPTW (``.txt``), Solomon and
Gehring-Homberger VRPTW (VRPLIB ``.vrp``), and their best-known solutions (``bks.csv``).

Node 0 is always the depot; customers keep their file numbering (VRPLIB's 1-based ids shift
down by one), which is also how both ``.sol`` formats number them.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path

DATA = Path(
    os.environ.get("COOPFLEET_BENCH_DATA", Path(__file__).resolve().parents[2] / "shared" / "bench")
)

SETS: dict[str, tuple[str, str]] = {
    "lilim100": ("pdptw", "pdptw/instances/100"),
    "lilim200": ("pdptw", "pdptw/instances/200"),
    "lilim400": ("pdptw", "pdptw/instances/400"),
    "solomon": ("vrptw", "vrptw/instances/Solomon"),
    "gh200": ("vrptw", "vrptw/instances/GH200"),
    "gh400": ("vrptw", "vrptw/instances/GH400"),
    "gh1000": ("vrptw", "vrptw/instances/GH1000"),
}


@dataclass(frozen=True, slots=True)
class Instance:
    """One benchmark instance. ``pairs`` are (pickup, delivery) nodes; empty for VRPTW."""

    name: str
    kind: str  # "pdptw" or "vrptw"
    x: tuple[float, ...]
    y: tuple[float, ...]
    demand: tuple[int, ...]
    ready: tuple[int, ...]
    due: tuple[int, ...]
    service: tuple[int, ...]
    pairs: tuple[tuple[int, int], ...]
    vehicles: int
    capacity: int

    @property
    def size(self) -> int:
        return len(self.x)


@dataclass(frozen=True, slots=True)
class BestKnown:
    vehicles: int
    distance: float


def instance_paths(set_name: str) -> list[Path]:
    kind, folder = SETS[set_name]
    suffix = ".txt" if kind == "pdptw" else ".vrp"
    return sorted((DATA / folder).glob(f"*{suffix}"), key=_natural)


def load(path: Path) -> Instance:
    return load_lilim(path) if path.suffix == ".txt" else load_vrplib(path)


def load_lilim(path: Path) -> Instance:
    """Li & Lim: ``K Q S``, then ``id x y demand earliest latest service pickup delivery``."""
    lines = [line.split() for line in path.read_text().splitlines() if line.strip()]
    vehicles, capacity = int(lines[0][0]), int(lines[0][1])
    rows = sorted((int(r[0]), r) for r in lines[1:])
    if [i for i, _ in rows] != list(range(len(rows))):
        raise ValueError(f"{path}: task ids must run 0..n without gaps")
    cols = [row for _, row in rows]
    pairs = tuple((int(r[0]), int(r[8])) for r in cols if int(r[3]) > 0)
    return Instance(
        name=path.stem,
        kind="pdptw",
        x=tuple(float(r[1]) for r in cols),
        y=tuple(float(r[2]) for r in cols),
        demand=tuple(int(r[3]) for r in cols),
        ready=tuple(int(r[4]) for r in cols),
        due=tuple(int(r[5]) for r in cols),
        service=tuple(int(r[6]) for r in cols),
        pairs=pairs,
        vehicles=vehicles,
        capacity=capacity,
    )


def load_vrplib(path: Path) -> Instance:
    """VRPLIB VRPTW: ``KEY : value`` headers, then sections of ``id values…`` rows.

    A ``SERVICE_TIME`` header applies to every customer (the depot serves in 0); a
    ``SERVICE_TIME_SECTION`` gives it per node.
    """
    header: dict[str, str] = {}
    sections: dict[str, list[list[str]]] = {}
    current: list[list[str]] | None = None
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line == "EOF":
            continue
        if ":" in line and not line[0].isdigit() and not line.startswith("-"):
            key, _, value = line.partition(":")
            header[key.strip().upper()] = value.strip()
            current = None
        elif line.endswith("_SECTION"):
            current = sections.setdefault(line, [])
        elif current is not None:
            current.append(line.split())
    coords = _by_node(sections["NODE_COORD_SECTION"])
    depots = [int(row[0]) - 1 for row in sections.get("DEPOT_SECTION", []) if int(row[0]) > 0]
    if depots != [0]:
        raise ValueError(f"{path}: expected node 1 as the only depot, got {depots}")
    n = len(coords)
    demand = _by_node(sections["DEMAND_SECTION"])
    windows = _by_node(sections["TIME_WINDOW_SECTION"])
    if "SERVICE_TIME_SECTION" in sections:
        service = [int(float(row[0])) for row in _by_node(sections["SERVICE_TIME_SECTION"])]
    else:
        per_customer = int(float(header.get("SERVICE_TIME", "0")))
        service = [0] + [per_customer] * (n - 1)
    return Instance(
        name=header.get("NAME", path.stem),
        kind="vrptw",
        x=tuple(float(row[0]) for row in coords),
        y=tuple(float(row[1]) for row in coords),
        demand=tuple(int(row[0]) for row in demand),
        ready=tuple(int(row[0]) for row in windows),
        due=tuple(int(row[1]) for row in windows),
        service=tuple(service),
        pairs=(),
        vehicles=int(header["VEHICLES"]),
        capacity=int(header["CAPACITY"]),
    )


def load_routes(path: Path) -> list[list[int]]:
    """Routes from a ``.sol`` file (``Route 1 : …`` or ``Route #1: …``), customers only."""
    routes: list[list[int]] = []
    for line in path.read_text().splitlines():
        if line.startswith("Route"):
            routes.append([int(token) for token in line.partition(":")[2].split()])
    return routes


def best_known(set_name: str) -> dict[str, BestKnown]:
    """Li & Lim: SINTEF (vehicles, then distance). VRPTW: DIMACS (truncated distance only)."""
    kind, _ = SETS[set_name]
    if kind == "pdptw":
        with (DATA / "pdptw" / "bks.csv").open() as handle:
            return {
                row["instance"]: BestKnown(int(row["vehicles"]), float(row["distance"]))
                for row in csv.DictReader(handle)
            }
    with (DATA / "vrptw" / "instances" / "bks.csv").open() as handle:
        return {
            row["instance"]: BestKnown(int(row["dimacs_vehicles"]), float(row["dimacs_distance"]))
            for row in csv.DictReader(handle)
        }


def _by_node(rows: list[list[str]]) -> list[list[str]]:
    """Section rows ordered by their 1-based node id, id dropped; ids must be 1..n."""
    ordered = sorted(rows, key=lambda row: int(row[0]))
    if [int(row[0]) for row in ordered] != list(range(1, len(ordered) + 1)):
        raise ValueError("VRPLIB section node ids must run 1..n without gaps")
    return [row[1:] for row in ordered]


def _natural(path: Path) -> tuple[str, ...]:
    """Sort lc101 < lc102 and C1_10_2 < C1_10_10."""
    parts = path.stem.replace("_", " _ ").split()
    return tuple(part.zfill(8) if part.isdigit() else part for part in parts)
