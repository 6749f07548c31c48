"""The watch on the machine's cluster (tests/conftest.py) notices a stop or a restart; proved on
a private cluster, since the machine's own must never be stopped by the tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from devtools.pgcluster import PrivateCluster
from tests.cluster_watch import ClusterDisturbed, postmaster_unchanged


@pytest.fixture(scope="module")
def cluster() -> Iterator[PrivateCluster]:
    with PrivateCluster() as running:
        yield running


def test_an_undisturbed_cluster_passes(cluster: PrivateCluster) -> None:
    with postmaster_unchanged(cluster.dsn("postgres")) as started:
        assert started is not None


def test_a_restart_is_noticed(cluster: PrivateCluster) -> None:
    watch = postmaster_unchanged(cluster.dsn("postgres"))
    with pytest.raises(ClusterDisturbed, match="restarted"), watch:
        cluster.stop()
        cluster.start()


def test_a_stopped_cluster_is_noticed(cluster: PrivateCluster) -> None:
    try:
        watch = postmaster_unchanged(cluster.dsn("postgres"))
        with pytest.raises(ClusterDisturbed, match="down"), watch:
            cluster.stop()
    finally:
        cluster.start()
