"""The Dask path gives the local numbers bit for bit."""

import numpy as np
import pytest

from statkit.simulation import get_check

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=40,
    ) as cluster:
        yield cluster


@pytest.fixture(scope="module")
def local_result():
    return get_check("clt-sample-mean").run(n_reps=8, quick=True, progress=False)


def test_client_gives_identical_numbers(cluster, local_result):
    with distributed.Client(cluster, set_as_default=False) as client:
        remote = get_check("clt-sample-mean").run(
            n_reps=8, quick=True, scheduler=client, progress=False
        )
        assert client.status == "running"  # a Client passed in is left open
    assert np.array_equal(remote.data["value"].to_numpy(), local_result.data["value"].to_numpy())
    assert remote.data[["grid_index", "rep"]].equals(local_result.data[["grid_index", "rep"]])
    assert remote.slope == local_result.slope and remote.ci == local_result.ci


def test_address_string_gives_identical_numbers(cluster, local_result, tmp_path):
    out = tmp_path / "clt.csv"
    remote = get_check("clt-sample-mean").run(
        n_reps=8, quick=True, scheduler=cluster.scheduler_address, out=out, progress=False
    )
    assert np.array_equal(remote.data["value"].to_numpy(), local_result.data["value"].to_numpy())
    assert len(out.read_text().splitlines()) == 1 + len(local_result.data)


def test_bad_scheduler_type_is_refused():
    with pytest.raises(TypeError, match="scheduler must be"):
        get_check("clt-sample-mean").run(n_reps=2, quick=True, scheduler=42, progress=False)
