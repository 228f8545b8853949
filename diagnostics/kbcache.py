"""The validated knowledge base, cached on disk between runs.

The key covers everything the result depends on: the Python and pydantic versions, the
core's own source files and thesis index, and for every plugin its name, version and the
hashes of the files in its folder. Any change gives a new key, so a stale entry is never
read. The folder is `DIAGNOSE_CACHE_DIR` if set, else the user's cache folder
(platformdirs); the entry is a pickle written atomically, and one that cannot be read is
ignored and rebuilt. Plugins registered as objects in-process (tests) are never cached.

Profiles read by the CLI are cached beside it (`profile-*.pickle`), validated, keyed by
the knowledge base's key, the file's path and a hash of its bytes: an edited file is read
afresh, and a run whose profile is cached imports neither PyYAML nor the profile parser.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

from .errors import DataError
from .safeio import atomic_write, read_bytes

CACHE_ENV = "DIAGNOSE_CACHE_DIR"
KEEP = 8  # entries kept, so that switching between two environments does not thrash
KEEP_PROFILES = 64
DATA_SUFFIXES = {".py", ".yaml", ".yml", ".json", ".toml"}
FORMAT = "4"  # bump when the cached payload changes shape
MAX_CACHE_BYTES = 500_000_000
PAYLOAD_KEYS = {"kb", "full_kb", "scoped", "profiles", "bibliography", "reports"}


def cache_dir(env: Mapping[str, str]) -> Path:
    """`DIAGNOSE_CACHE_DIR` from `env`, else from the process environment, else the user's."""
    configured = (env.get(CACHE_ENV) or os.environ.get(CACHE_ENV) or "").strip()
    if configured:
        return Path(configured).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("policy-diagnostics", appauthor=False))


def plugin_folder(plugin: Any) -> Path | None:
    """The files a plugin's records come from: its `folder`, else its module's package."""
    folder = getattr(plugin, "folder", None)
    if isinstance(folder, Path):
        return folder
    module = plugin if isinstance(plugin, ModuleType) else sys.modules.get(type(plugin).__module__)
    file = getattr(module, "__file__", None)
    if not file:
        return None
    path = Path(file)
    name = getattr(module, "__name__", "")
    # A lone top-level module (site-packages/x.py) stands for itself, not its whole folder.
    return path.parent if path.name == "__init__.py" or "." in name else path


def _hash_files(root: Path, digest: Any) -> None:
    files = [root] if root.is_file() else sorted(
        p for p in root.rglob("*") if p.suffix in DATA_SUFFIXES and "__pycache__" not in p.parts)
    for p in files:
        digest.update(str(p.relative_to(root) if p != root else p.name).encode())
        digest.update(read_bytes(p))  # the guarded reader: a FIFO or device among them is refused


def cache_key(plugins: Iterable[tuple[str, str, Any]]) -> str | None:
    """A key for (name, version, plugin object) triples; None if one cannot be keyed."""
    import pydantic

    digest = hashlib.sha256()
    digest.update(f"{FORMAT}|{sys.version}|{pydantic.VERSION}".encode())
    core = Path(__file__).parent
    for p in sorted(core.glob("*.py")):
        digest.update(p.read_bytes())
    digest.update((core / "thesis_index.json").read_bytes())
    # A plugin that failed is cached with its error message, which is in the language of the run.
    from .i18n import DEFAULT_LANGUAGE, catalog_path, current_language

    lang = current_language()
    digest.update(f"|{lang}|".encode())
    if lang != DEFAULT_LANGUAGE and catalog_path(lang).exists():
        digest.update(catalog_path(lang).read_bytes())
    for name, version, plugin in plugins:
        folder = plugin_folder(plugin)
        if folder is None:
            return None
        digest.update(f"|{name}|{version}|{folder.name}|".encode())
        try:
            _hash_files(folder, digest)
        except DataError:
            return None  # not cacheable; loading the records reports the file
    return digest.hexdigest()[:40]


def load(folder: Path, key: str) -> Any | None:
    path = folder / f"kb-{key}.pickle"
    try:
        payload = pickle.loads(read_bytes(path, limit=MAX_CACHE_BYTES))  # noqa: S301 - our own cache file
    except FileNotFoundError:
        return None
    except Exception:  # noqa: BLE001 - a damaged or foreign entry is rebuilt, never trusted
        return None
    if not isinstance(payload, dict) or payload.get("key") != key or not payload.keys() >= PAYLOAD_KEYS:
        return None
    return payload


def save(folder: Path, key: str, payload: dict[str, Any]) -> None:
    """Write atomically; a cache that cannot be written only costs time, never fails a run."""
    try:
        data = pickle.dumps({**payload, "key": key}, protocol=pickle.HIGHEST_PROTOCOL)
        atomic_write(folder / f"kb-{key}.pickle", data)  # no temporary file is left on failure
        entries = sorted(folder.glob("kb-*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in entries[KEEP:]:
            old.unlink(missing_ok=True)
    except (OSError, DataError):
        pass


# ---------------------------------------------------------------------------------------
# Profiles


def profile_key(kb_key: str, path: Path, raw: bytes) -> str:
    """The cache key of a profile file: the knowledge base's key, the file's path and its bytes."""
    digest = hashlib.sha256(f"{FORMAT}|{kb_key}|{path}|".encode())
    digest.update(raw)
    return digest.hexdigest()[:40]


def load_profile(key: str) -> tuple[Any, ...] | None:
    """(profile, line map, assessment file or None, digest) cached under `key`, or None."""
    path = cache_dir(os.environ) / f"profile-{key}.pickle"
    try:
        payload = pickle.loads(read_bytes(path, limit=MAX_CACHE_BYTES))  # noqa: S301 - our own cache file
    except Exception:  # noqa: BLE001 - missing, damaged or foreign: read the file itself
        return None
    if not isinstance(payload, tuple) or len(payload) != 5 or payload[0] != key:
        return None
    return payload[1:]


def save_profile(key: str, loaded: tuple[Any, ...]) -> None:
    """Write atomically, keeping the newest entries; failing to write only costs time."""
    folder = cache_dir(os.environ)
    try:
        atomic_write(folder / f"profile-{key}.pickle", pickle.dumps((key, *loaded), protocol=pickle.HIGHEST_PROTOCOL))
        entries = sorted(folder.glob("profile-*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in entries[KEEP_PROFILES:]:
            old.unlink(missing_ok=True)
    except (OSError, DataError):
        pass
