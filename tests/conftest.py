"""Restorers shared by the test modules (each loads once per module)."""
import pytest

from vidiacritic import Restorer


@pytest.fixture(scope="module")
def stat():
    return Restorer(engine="statistical")


@pytest.fixture(scope="module")
def model():
    """The default engine.  Only a missing optional dependency skips: the model files
    ship with the package, so a model that fails to load fails these tests."""
    pytest.importorskip("sentencepiece")
    return Restorer(engine="model")
