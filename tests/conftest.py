"""Shared fixtures. The knowledge base and registry are loaded once per session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from diagnostics.assessment import Assessor
from diagnostics.kb import KnowledgeBase, load_directory
from diagnostics.profile import Profile
from diagnostics.registry import Registry, load_registry
from diagnostics.yamlio import load_data

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures"


def pytest_configure(config: pytest.Config) -> None:
    """Tests (and the CLI processes they start) cache the knowledge base in a temporary
    folder of their own, never in the user's cache folder."""
    import tempfile

    os.environ["DIAGNOSE_CACHE_DIR"] = tempfile.mkdtemp(prefix="diagnose-test-cache-")


def thesis_path() -> Path | None:
    """The thesis text: $DIAGNOSE_THESIS, or ../shared/seeds beside the repository."""
    env = os.environ.get("DIAGNOSE_THESIS")
    candidates = [Path(env)] if env else []
    candidates.append(ROOT.parent / "shared" / "seeds" / "003_61bcc57cf97c66d8.txt")
    return next((p for p in candidates if p.exists()), None)


@pytest.fixture(scope="session")
def registry() -> Registry:
    return load_registry(external=False)


@pytest.fixture(scope="session")
def kb(registry: Registry) -> KnowledgeBase:
    return registry.kb


@pytest.fixture(scope="session")
def assessor(kb: KnowledgeBase) -> Assessor:
    return Assessor(kb)


@pytest.fixture(scope="session")
def reference_assessor(kb: KnowledgeBase) -> Assessor:
    return Assessor(kb, engine="reference")


def read_profile(path: Path) -> Profile:
    data, _ = load_data(path)
    return Profile.model_validate(data)


@pytest.fixture(scope="session")
def kz_profile(registry: Registry) -> Profile:
    return read_profile(registry.profiles["KZ"].path)


@pytest.fixture(scope="session")
def mini_kb() -> KnowledgeBase:
    return KnowledgeBase.build(*load_directory(FIXTURES / "mini"))


@pytest.fixture(autouse=True)
def _english_by_default(monkeypatch: pytest.MonkeyPatch):
    """Every test starts in English whatever DIAGNOSE_LANG the shell has, and leaves it so."""
    from diagnostics.i18n import set_language

    monkeypatch.delenv("DIAGNOSE_LANG", raising=False)
    set_language("en")
    yield
    set_language("en")


@pytest.fixture(autouse=True)
def _isolated_from_the_user(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads the user's data folder or depends on the terminal it runs in: every test
    gets an empty data folder of its own, and no COLUMNS/LINES from the shell."""
    from diagnostics.user_data import DATA_DIR_ENV

    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path_factory.mktemp("user-data")))
    for name in ("COLUMNS", "LINES"):
        monkeypatch.delenv(name, raising=False)
