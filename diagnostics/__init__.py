"""policy-diagnostics: an expert system for the systemic problems of post-Soviet transition economies."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("policy-diagnostics")
except PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0.0.0+local"
