"""The registry of checks."""

import pytest

from statkit.simulation import LevelCheck, RateCheck, _registry, get_check, list_checks, register


def simulate(x, rng):
    return 1.0


@pytest.fixture
def clean_registry():
    before = dict(_registry._REGISTRY)
    yield
    _registry._REGISTRY.clear()
    _registry._REGISTRY.update(before)


def test_builtin_check_is_registered():
    assert "statkit.simulation._builtin" in _registry._CHECK_MODULES
    check = get_check("clt-sample-mean")
    assert isinstance(check, RateCheck) and check.predicted_exponent == -0.5
    names = [c.name for c in list_checks()]
    assert "clt-sample-mean" in names and names == sorted(names)


def test_unknown_name_lists_available_checks():
    with pytest.raises(KeyError) as info:
        get_check("no-such-check")
    message = str(info.value)
    assert "no-such-check" in message and "clt-sample-mean" in message
    assert not message.startswith('"')  # a readable message, not a quoted repr


def test_register_adds_and_refuses_duplicates(clean_registry):
    check = register(RateCheck("zz-registry-test", simulate, [1, 2, 3], -1.0))
    assert get_check("zz-registry-test") is check
    assert list_checks()[-1] is check
    assert register(check) is check  # the same object again is harmless
    with pytest.raises(ValueError, match="already registered"):
        register(LevelCheck("zz-registry-test", simulate, [1], 0.5))
    with pytest.raises(ValueError, match="already registered"):
        register(RateCheck("clt-sample-mean", simulate, [1, 2, 3], -0.5))


def test_register_refuses_non_checks():
    with pytest.raises(TypeError, match="RateCheck or a LevelCheck"):
        register("clt-sample-mean")


def test_failed_module_import_leaves_registry_unchanged(clean_registry, monkeypatch):
    monkeypatch.setattr(_registry, "_CHECK_MODULES", (*_registry._CHECK_MODULES, "statkit.no_such"))
    before = dict(_registry._REGISTRY)
    with pytest.raises(ImportError):
        list_checks()
    assert _registry._REGISTRY == before
