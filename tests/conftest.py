"""Shared fixtures: ``xp_case`` runs a test over numpy / torch-cpu / torch-cuda."""

import pytest

from statkit._testing.backends import BACKEND_CASES


@pytest.fixture(params=BACKEND_CASES, ids=lambda c: c.id)
def xp_case(request):
    """A :class:`~statkit._testing.backends.BackendCase`; torch cases skip without torch,
    CUDA cases skip without a GPU and carry the ``gpu`` marker."""
    case = request.param
    if case.name == "torch":
        torch = pytest.importorskip("torch")
        if case.device == "cuda" and not torch.cuda.is_available():
            pytest.skip("CUDA not available")
    return case


def pytest_collection_modifyitems(config, items):
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is None:
            continue
        case = callspec.params.get("xp_case")
        if case is not None and getattr(case, "device", None) == "cuda":
            item.add_marker(pytest.mark.gpu)
