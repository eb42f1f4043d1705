"""Fixtures of the process-level tests: a PostgreSQL cluster of their own they may stop."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.pg_cluster import Cluster, throwaway_cluster


@pytest.fixture(scope="module")
def pg_cluster() -> Iterator[Cluster]:
    """A throwaway cluster (see tests/pg_cluster.py), one per test module."""
    with throwaway_cluster() as cluster:
        yield cluster


@pytest.fixture
def cluster_db(pg_cluster: Cluster) -> Iterator[str]:
    """A fresh migrated database in the throwaway cluster (its name), dropped after the test;
    the cluster is running when the test starts and when it ends."""
    pg_cluster.ensure_running()
    name = pg_cluster.create_database(template="cc_template")
    yield name
    pg_cluster.ensure_running()
    pg_cluster.drop_database(name)
