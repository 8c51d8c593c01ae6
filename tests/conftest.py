import os
import sys
import tempfile
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
# the user's own imported models must not leak into (or be written by) the tests
os.environ["GANZOO_MODELS"] = tempfile.mkdtemp(prefix="ganzoo-models-")


@pytest.fixture(autouse=True)
def _threads():
    torch.set_num_threads(1)  # tests are many tiny models: threads only add overhead
    yield


# ---- one app server for every app test module ----------------------------------------------

@pytest.fixture(scope="session")
def checkpoints(tmp_path_factory):
    from appserver import make_checkpoints

    return make_checkpoints(tmp_path_factory.mktemp("checkpoints"), tmp_path_factory.mktemp("runs"))


@pytest.fixture(scope="session")
def server(checkpoints, tmp_path_factory):
    from appserver import running_app

    with running_app(checkpoints, tmp_path_factory.mktemp("app")) as (url, log):
        yield url, log


@pytest.fixture(scope="session")
def client(server):
    from gradio_client import Client

    return Client(server[0], verbose=False)
