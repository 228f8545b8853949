"""The one way a profile is read from a file, whatever the file holds.

A plain profile (YAML or JSON) or an assessment file written by `diagnose tui`: both give a
:class:`ProfileFile` with the profile and a line map whose keys start at the profile
(``("answers", "rd.gerd_share")``), so later checks against the indicator catalogue can
name the line whichever kind of file it was. Every command that takes a profile uses
:func:`load_profile`.

An assessment file carries a format version and, from version 2 on, ends with
:data:`END_MARKER`; a file cut short (an interrupted copy, a full disk) lacks it and is
refused instead of silently opening with answers missing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import ConfigDict, Field

from .errors import DataError
from .i18n import _
from .profile import COUNTRY_CODE, MAX_NOTE_CHARS, MAX_SOURCE_CHARS, Answer, EvidenceGrade, Profile, profile_digest
from .record_base import Deferred
from .safeio import read_bytes, text_of
from .yamlio import Path_, line_for, parse_data, parse_model

FORMAT = "policy-diagnostics-assessment"
FORMAT_VERSION = 2
END_MARKER = "# end of assessment file"


class Draft(Deferred):
    """Evidence typed on a question that has no value yet: kept until the value comes."""

    model_config = ConfigDict(extra="forbid")

    source: str = Field(default="", max_length=MAX_SOURCE_CHARS)
    evidence: EvidenceGrade | None = None
    as_of: int | None = Field(default=None, ge=1900, le=2100)
    note: str = Field(default="", max_length=MAX_NOTE_CHARS)

    @property
    def empty(self) -> bool:
        return not (self.source or self.evidence or self.as_of or self.note)


class SessionFile(Deferred):
    """The on-disk shape of an assessment file (see diagnostics.session)."""

    model_config = ConfigDict(extra="forbid")

    format: Literal["policy-diagnostics-assessment"] = "policy-diagnostics-assessment"
    version: int = FORMAT_VERSION
    started_from: str = Field(default="blank", max_length=200)
    current: str | None = Field(default=None, max_length=200)
    created: str = Field(default="", max_length=64)
    updated: str = Field(default="", max_length=64)
    knowledge_base: str = Field(default="", max_length=128)
    profile: Profile
    set_aside: dict[str, Answer] = Field(default_factory=dict)
    drafts: dict[str, Draft] = Field(default_factory=dict)


@dataclass(frozen=True)
class ProfileFile:
    """A profile as read from `path`, with its line map and, for an assessment file, the rest."""

    profile: Profile
    path: Path
    lines: Mapping[Path_, int] = field(default_factory=dict)
    session: SessionFile | None = None
    cached_digest: str | None = None  # profile_digest(profile), kept with a cached file

    @property
    def digest(self) -> str:
        return self.cached_digest or profile_digest(self.profile)


def is_assessment_file(data: Any) -> bool:
    return isinstance(data, dict) and data.get("format") == FORMAT


def _check_version(data: dict[str, Any], path: Path, lines: Mapping[Path_, int]) -> int:
    version = data.get("version", 1)
    line = line_for(lines, ("version",))
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise DataError(_("version {version} is not a format version of an assessment file (1 to {latest})")
                        .format(version=repr(version), latest=FORMAT_VERSION), file=path, line=line)
    if version > FORMAT_VERSION:
        raise DataError(_("written by a newer policy-diagnostics (format {version}; this one reads up to "
                          "{latest}): update it").format(version=version, latest=FORMAT_VERSION),
                        file=path, line=line)
    return version


_HEADER = re.compile(rf"^format: {FORMAT}\s*$", re.M)
_VERSION = re.compile(r"^version: (\d{1,3})\s*$", re.M)


def _declared_version(text: str) -> int:
    """The version an assessment file declares at top level, 0 if it does not look like one."""
    version = _VERSION.search(text)
    return int(version.group(1)) if _HEADER.search(text) and version else 0


def _check_complete(text: str, path: Path) -> None:
    if text.rstrip().endswith(END_MARKER):
        return
    last = text.count("\n") + (0 if text.endswith("\n") else 1)
    raise DataError(_("the file ends early: its last line is not {marker}, so answers may be missing "
                      "(an interrupted copy or a full disk?); restore it from a copy, or check the answers "
                      "and add that line back").format(marker=repr(END_MARKER)), file=path, line=last)


def load_profile(path: Path, cache_key: str | None = None) -> ProfileFile:
    """Read a profile or an assessment file; every problem is a DataError naming file and line.

    With `cache_key` (the knowledge-base cache's key, which covers this code, Python and
    pydantic), a file read before with the same bytes at the same path comes from the
    on-disk cache (diagnostics.kbcache) without parsing or validating it again; only files
    that loaded without a problem are cached, so every error is found and worded as here.
    """
    raw = read_bytes(path)
    entry = None
    if cache_key is not None:
        from . import kbcache

        entry = kbcache.profile_key(cache_key, path, raw)
        cached = kbcache.load_profile(entry)
        if cached is not None:
            return ProfileFile(cached[0], path, *cached[1:])
    loaded = _read(text_of(raw, path), path)
    if entry is not None:
        kbcache.save_profile(entry, (loaded.profile, loaded.lines, loaded.session, loaded.digest))
    return loaded


def _read(text: str, path: Path) -> ProfileFile:
    try:
        data, lines = parse_data(text, path)
    except DataError:
        # An assessment file cut short mid-value no longer parses: say why, not where it broke.
        if _declared_version(text) >= 2 and path.suffix.lower() != ".json":
            _check_complete(text, path)
        raise
    if is_assessment_file(data):
        version = _check_version(data, path, lines)
        if version >= 2 and path.suffix.lower() != ".json":
            _check_complete(text, path)
        doc: SessionFile = parse_model(SessionFile, data, path, lines)
        inner = {key[1:]: line for key, line in lines.items() if key[:1] == ("profile",)}
        return ProfileFile(doc.profile, path, inner, doc)
    if isinstance(data, dict) and "format" in data and "country" not in data:
        raise DataError(_("unknown file format {format}; expected a profile or an assessment file ({expected})")
                        .format(format=repr(str(data["format"])[:60]), expected=FORMAT),
                        file=path, line=line_for(lines, ("format",)))
    if not isinstance(data, dict) or "country" not in data:
        raise DataError(_("neither a profile nor an assessment file: a profile is a mapping with "
                          "'country' and 'answers'"), file=path, line=1)
    return ProfileFile(parse_model(Profile, data, path, lines), path, lines)


def check_saved_assessment(data: dict[str, Any], path: Path, lines: Mapping[Path_, int]) -> Any:
    """A saved `diagnose assess --json` document, checked (schema version, country code)."""
    from .assessment import SCHEMA_VERSION, Assessment

    audit = data.get("audit")
    version = audit.get("schema_version", SCHEMA_VERSION) if isinstance(audit, dict) else SCHEMA_VERSION
    if isinstance(version, bool) or not isinstance(version, int) or not 1 <= version <= SCHEMA_VERSION:
        raise DataError(_("schema_version {version} is not one this policy-diagnostics reads (1 to {latest})")
                        .format(version=repr(version), latest=SCHEMA_VERSION),
                        file=path, line=line_for(lines, ("audit", "schema_version")))
    assessment: Assessment = parse_model(Assessment, data, path, lines)
    if not COUNTRY_CODE.match(assessment.country):
        raise DataError(_("country {code} must be an ISO 3166 alpha-2 or alpha-3 code")
                        .format(code=repr(assessment.country[:20])), file=path, line=line_for(lines, ("country",)))
    return assessment
