"""PDF through WeasyPrint: the HTML of a brief typeset on A4 with its print stylesheet.

The stylesheet (brief.css, `@page`) sets the page numbers and the running title; no browser
adds headers or footers. Fonts come from fontconfig: the stylesheet asks for DejaVu first,
which covers Latin and Cyrillic (Debian: fonts-dejavu-core). Nothing is fetched: the HTML is
self-contained; a user's template may carry images as data: URLs, and any other URL is refused.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.machinery
import importlib.util
import io
import os
import re
import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from diagnostics.errors import DataError

if TYPE_CHECKING:
    from weasyprint import Document

INSTALL_HINT = ("PDF output needs WeasyPrint and the Pango libraries: pip install weasyprint; "
                "on Debian/Ubuntu apt-get install libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core")


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    raise ValueError(f"the brief is self-contained; {url[:60]!r} is not fetched")


def _url_fetcher(weasyprint: types.ModuleType) -> Any:
    """What WeasyPrint may fetch: data: URLs only (an image written into the HTML itself); any
    other URL is refused, with a warning, and the document is typeset without it."""
    fetcher_class = getattr(sys.modules.get("weasyprint.urls"), "URLFetcher", None)
    if fetcher_class is not None:  # WeasyPrint 70: fetchers are URLFetcher objects
        return fetcher_class(allowed_protocols={"data"})

    def fetch(url: str, *args: Any, **kwargs: Any) -> Any:  # earlier WeasyPrint: a function
        if url[:5].lower() == "data:":
            return weasyprint.default_url_fetcher(url, *args, **kwargs)
        return _no_fetch(url)

    return fetch


# ---------------------------------------------------------------------------------------
# Importing WeasyPrint costs more CPU than assessing a country, and these parts of that cost buy
# nothing for a brief (bench/brief.py):
# - For each of its libraries WeasyPrint tries several names ('libgobject-2.0-0', 'gobject-2.0',
#   ..., 'libgobject-2.0.so.0'); cffi answers each miss with ctypes.util.find_library, which on
#   Linux runs ldconfig, gcc and ld in subprocesses (WeasyPrint issue #1125). There, find_library
#   returns a bare soname that the loader resolves exactly as it resolves the '.so.0' names
#   WeasyPrint tries itself, so the lookups can be skipped while it is imported.
# - It imports fontTools' subsetter and variable-font instancer at start-up; they are used only
#   when HarfBuzz cannot subset a font, or for a variable font. They stand deferred until used,
#   as do fontTools' font reading (TTFont: WOFF fonts, emoji, variable fonts, no HarfBuzz
#   subsetter), Pillow's colour management (@color-profile), ssl (HTTPS) and the MIME table it
#   reads for attachments. Once used, the real objects take the stand-ins' place.
# - It imports Pillow (raster images, emoji fonts) and, through cffi, pycparser; a text-only
#   brief needs neither (pycparser: see below). They are loaded lazily (importlib.util.LazyLoader).
#   With the stand-ins about 30 ms of the import's 75.
# - It parses its user-agent stylesheets at start-up (weasyprint/html.py): the HTML one, about
#   40 ms, mostly selectors for elements a brief never has and 40 counter styles from Armenian
#   to Tibetan, and those for forms and presentational hints, which a brief never asks for. They
#   are parsed when first used; the built-in templates are typeset with ua.css instead, the
#   rules of WeasyPrint's stylesheet that can apply to the elements they write.
# Whatever goes wrong on this quick path, WeasyPrint is imported again the ordinary way.
# (`diagnose brief` imports it with the garbage collector paused and what it loaded frozen, as the
# CLI loads the knowledge base: reports/cli.py.)

# Module: the names WeasyPrint imports from it that are functions (called through a forwarder).
_DEFERRED_MODULES: dict[str, tuple[str, ...]] = {
    "fontTools.subset": (),
    "fontTools.varLib": (),
    "fontTools.varLib.instancer": ("instantiateVariableFont",),
    "fontTools.ttLib": ("TTFont",),  # fonts fontTools must read: variable, emoji, WOFF, no HarfBuzz subset
    "PIL.ImageCms": ("ImageCmsProfile",),  # @color-profile
    "ssl": (),  # HTTPS (http.client and urllib.request import it; the brief fetches nothing)
}
# The names WeasyPrint imports from a deferred module that are submodules (standing deferred
# themselves) or exceptions (a class of the same name that nothing raises until the module is
# used: `except TTLibError` must name a class).
_DEFERRED_SUBMODULES: dict[str, tuple[str, ...]] = {"fontTools.ttLib": ("ttFont", "woff2")}
_DEFERRED_EXCEPTIONS: dict[str, tuple[str, ...]] = {"fontTools.ttLib": ("TTLibError",)}

# Modules WeasyPrint imports whole ("from PIL import Image") but a text-only document never
# uses: executed when an attribute is first read (an image, a C type cffi must parse). What
# WeasyPrint sets on them at import (ImageFile.LOAD_TRUNCATED_IMAGES, EpsImagePlugin.gs_binary)
# is kept by the loader. A module an `import` statement names a second time is loaded by it
# (ssl: http.client, then urllib.request), so such a module stands deferred instead.
_LAZY_MODULES = frozenset({
    "PIL.Image", "PIL.ImageFile", "PIL.ImageOps", "PIL.EpsImagePlugin",  # raster images, emoji
    "pycparser",  # cffi's C parser: the declarations come from the cache, types from _quick_type
})


class _Deferred(types.ModuleType):
    """Stands in for a module while WeasyPrint is imported; the real module is imported when used,
    and then takes the place of the stand-in and its forwarders in WeasyPrint's modules."""

    def __init__(self, name: str, functions: tuple[str, ...]) -> None:
        super().__init__(name)
        self._functions = functions
        self._stand_ins: dict[str, Any] = {}
        self._module: types.ModuleType | None = None

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__"):  # the import system probing (__path__, __spec__): not a package
            raise AttributeError(attr)
        if attr not in self._stand_ins:
            stand_in = self._stand_in(attr)
            if stand_in is None:
                _drop_deferred()  # anything else is needed now: the real modules from here on
                return getattr(self._real(), attr)
            self._stand_ins[attr] = stand_in
        return self._stand_ins[attr]

    def _stand_in(self, attr: str) -> Any:
        name = self.__name__
        if attr in self._functions:
            def forward(*args: Any, **kwargs: Any) -> Any:
                return getattr(self._real(), attr)(*args, **kwargs)

            return forward
        if attr in _DEFERRED_SUBMODULES.get(name, ()):
            return _Deferred(f"{name}.{attr}", ())
        if attr in _DEFERRED_EXCEPTIONS.get(name, ()):
            doc = f"Stands for {name}.{attr}: nothing raises it before {name} is used."
            return type(attr, (Exception,), {"__doc__": doc})
        return None

    def _real(self) -> types.ModuleType:
        if self._module is None:
            if isinstance(sys.modules.get(self.__name__), _Deferred):
                _drop_deferred()
            self._module = importlib.import_module(self.__name__)
            self._take_place(self._module)
        return self._module

    def _take_place(self, module: types.ModuleType) -> None:
        """Puts the real module and its objects where WeasyPrint's modules hold the stand-ins."""
        real: dict[int, Any] = {id(self): module}
        for attr, stand_in in self._stand_ins.items():
            if not isinstance(stand_in, _Deferred):
                real[id(stand_in)] = getattr(module, attr)
            elif isinstance(sys.modules.get(stand_in.__name__), types.ModuleType):  # a submodule: if loaded
                real[id(stand_in)] = stand_in._real()
        for name, holder in list(sys.modules.items()):
            if name.split(".")[0] == "weasyprint" and isinstance(holder, types.ModuleType):
                namespace = vars(holder)
                for key, value in list(namespace.items()):
                    if id(value) in real:
                        namespace[key] = real[id(value)]


def _drop_deferred() -> None:
    for name in _DEFERRED_MODULES:
        if isinstance(sys.modules.get(name), _Deferred):
            del sys.modules[name]


class _DeferredMimeTypes:
    """Stands for the `mimetypes.MimeTypes()` WeasyPrint makes at import to name attachments'
    types (reading the system's MIME tables, about 3 ms); made when first used."""

    real_class: Any = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._args = args
        self._kwargs = kwargs
        self._real: Any = None

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("_"):
            raise AttributeError(attr)
        if self._real is None:
            self._real = self.real_class(*self._args, **self._kwargs)
        return getattr(self._real, attr)


class _LazyFinder:
    """Finds the modules of `_LAZY_MODULES` as the path finder does, loaded lazily."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        if name not in _LAZY_MODULES:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or not isinstance(spec.loader, importlib.machinery.SourceFileLoader):
            return None
        spec.loader = importlib.util.LazyLoader(spec.loader)
        return spec


@contextlib.contextmanager
def _quick_import() -> Iterator[None]:
    import ctypes.util

    find_library = ctypes.util.find_library
    for name, functions in _DEFERRED_MODULES.items():
        sys.modules.setdefault(name, _Deferred(name, functions))
    if sys.platform.startswith("linux"):
        ctypes.util.find_library = _no_lookup
    finders: list[Any] = [_SheetDeferringFinder(), _LazyFinder()]
    sys.meta_path[:0] = finders
    import mimetypes

    mime_types = _DeferredMimeTypes.real_class = mimetypes.MimeTypes
    mimetypes.MimeTypes = _DeferredMimeTypes  # type: ignore[misc,assignment]
    import cffi.cparser

    internal_parse = cffi.cparser.Parser._internal_parse
    cffi.cparser.Parser._internal_parse = _cached_parse(internal_parse)
    try:
        # WeasyPrint prints its installation help to stdout when a library is missing; the
        # ordinary import below prints it if it still applies (stdout may be the PDF itself).
        with contextlib.redirect_stdout(io.StringIO()):
            yield
    finally:
        ctypes.util.find_library = find_library
        cffi.cparser.Parser._internal_parse = internal_parse
        for finder in finders:
            sys.meta_path.remove(finder)
        mimetypes.MimeTypes = mime_types  # type: ignore[misc]
        _drop_deferred()


def _no_lookup(name: str) -> None:
    return None


class _DeferredSheet:
    """Stands for one of WeasyPrint's own stylesheets; parsed when WeasyPrint first reads it."""

    def __init__(self, css: type, *args: Any, **kwargs: Any) -> None:
        self._css = css
        self._args = args
        self._kwargs = kwargs
        self._sheet: Any = None

    def parse(self) -> Any:
        if self._sheet is None:
            self._sheet = self._css(*self._args, **self._kwargs)
        return self._sheet

    def __getattr__(self, attr: str) -> Any:  # matcher, page_rules, layers, base_url
        if attr.startswith("_"):
            raise AttributeError(attr)
        return getattr(self.parse(), attr)


class _SheetDeferringLoader(importlib.machinery.SourceFileLoader):
    """Runs weasyprint/html.py with `CSS` standing for `_DeferredSheet` (it does `from . import CSS`)."""

    def exec_module(self, module: types.ModuleType) -> None:
        package = sys.modules["weasyprint"]
        css = package.CSS

        def deferred(*args: Any, **kwargs: Any) -> _DeferredSheet:
            return _DeferredSheet(css, *args, **kwargs)

        package.CSS = deferred  # type: ignore[attr-defined]
        try:
            super().exec_module(module)
        finally:
            package.CSS = css  # type: ignore[attr-defined]
            if getattr(module, "CSS", None) is deferred:
                module.CSS = css  # type: ignore[attr-defined]


class _SheetDeferringFinder:
    """Finds weasyprint.html as the path finder does, loaded by `_SheetDeferringLoader`."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        if name != "weasyprint.html":
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or type(spec.loader) is not importlib.machinery.SourceFileLoader:
            return None
        spec.loader = _SheetDeferringLoader(spec.loader.name, spec.loader.path)
        return spec


def _parse_ua_before_counting(weasyprint: types.ModuleType) -> None:
    """Parsing the deferred user-agent sheet fills the counter styles (disc, decimal, ...) that
    WeasyPrint copies before it reads any sheet: an ordinary `HTML` parses it first."""
    sheet = getattr(sys.modules.get("weasyprint.html"), "UA_STYLESHEET", None)
    if not isinstance(sheet, _DeferredSheet):
        return
    counter_style = getattr(weasyprint.HTML, "_ua_counter_style", None)
    if counter_style is None:  # another WeasyPrint: parsed now, as it would have been
        sheet.parse()
        return

    def ua_counter_style(self: Any) -> Any:
        sheet.parse()
        return counter_style(self)

    weasyprint.HTML._ua_counter_style = ua_counter_style


UA_CSS = Path(__file__).parent / "templates" / "ua.css"
_built_in_html: Any = None


def built_in_html_class() -> Any:
    """`weasyprint.HTML` with ua.css as its user-agent stylesheet, for the built-in templates."""
    global _built_in_html
    if _built_in_html is None:
        weasyprint = import_weasyprint()
        from weasyprint.css.counters import CounterStyle

        counters = CounterStyle()
        sheet = weasyprint.CSS(string=UA_CSS.read_text(encoding="utf-8"), counter_style=counters)

        class BuiltInHTML(weasyprint.HTML):  # type: ignore[name-defined]
            def _ua_stylesheets(self, forms: bool = False) -> list[Any]:
                return [sheet]

            def _ua_counter_style(self) -> list[Any]:
                return [counters.copy()]

        _built_in_html = BuiltInHTML
    return _built_in_html


# - WeasyPrint declares the C functions and types of Pango, HarfBuzz and fontconfig to cffi at
#   every start, and cffi parses the declarations with pycparser: about 30 ms. What the parse
#   yields (cffi's model of each declaration) is kept in the cache folder, keyed by the
#   declarations themselves, cffi's version, pycparser's file (read without loading it) and
#   Python's version; a new WeasyPrint, cffi or pycparser parses afresh, and an entry that
#   cannot be read is parsed again and replaced.
_PARSER_STATE = ("_declarations", "_included_declarations", "_anonymous_counter", "_int_constants",
                 "_recomplete", "_uses_new_feature", "_inside_extern_python", "_partial_length")


def _parse_cache_file(csource: str) -> Path:
    import hashlib

    import cffi
    import cffi.cparser

    from diagnostics.kbcache import cache_dir

    digest = hashlib.sha256(f"{cffi.__version__}|{_module_stamp(cffi.cparser.pycparser)}|{sys.version}|".encode())
    digest.update(csource.encode())
    return cache_dir(os.environ) / f"cffi-{digest.hexdigest()[:40]}.pickle"


def _module_stamp(module: types.ModuleType) -> str:
    """Which copy of a module this is (its file, size and time), read without loading a lazy module."""
    spec = types.ModuleType.__getattribute__(module, "__spec__")  # not the lazy module's own getattr
    origin = getattr(spec, "origin", None)
    try:
        stat = os.stat(origin)  # type: ignore[arg-type]
    except (TypeError, OSError):
        return f"{module.__name__}:{getattr(module, '__version__', '')}"
    return f"{origin}:{stat.st_size}:{stat.st_mtime_ns}"


def _cached_parse(internal_parse: Any) -> Any:
    def parse(parser: Any, csource: str) -> None:
        if parser._declarations or parser._options != {"override": False, "packed": 0, "dllexport": False}:
            return internal_parse(parser, csource)  # adding to earlier declarations: cffi's own way
        import pickle

        from diagnostics.safeio import atomic_write, read_bytes

        path = _parse_cache_file(csource)
        with contextlib.suppress(Exception):  # no entry, or one that cannot be read: parsed below
            state = pickle.loads(read_bytes(path))
            if isinstance(state, dict) and set(state) == set(_PARSER_STATE):
                vars(parser).update(state)
                return
        internal_parse(parser, csource)
        with contextlib.suppress(Exception):  # no cache folder: parsed again next time, as before
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(path, pickle.dumps({name: getattr(parser, name) for name in _PARSER_STATE}))

    return parse


# - Each C type WeasyPrint allocates ('PangoRectangle *', 'hb_codepoint_t[3316]': one per array
#   length) is parsed by cffi, which declares every typedef of WeasyPrint's bindings to the C
#   parser first ("for more efficiency we would need to poke into the internals", says cffi):
#   about 3 ms a type, some 40 ms a brief. Only the typedefs a type's text names matter to its
#   parse, so those alone are declared; the type is then resolved against all declarations.
# - The types WeasyPrint allocates are all of four shapes: a typedef or primitive name, a
#   pointer to one ('PangoRectangle *'), an array of one ('hb_codepoint_t[3316]', 'char[]').
#   Those are built from the declarations as cffi builds them from pycparser's tree, without
#   pycparser (whose import is about 7 ms); any other text goes through cffi's parse.
_WORD = re.compile(r"[A-Za-z_]\w*")
_SIMPLE_TYPE = re.compile(r"\s*([A-Za-z_]\w*(?: [A-Za-z_]\w*)?)\s*(\*+|\[\]|\[[1-9][0-9]*\])?\s*")
_PRIMITIVES = frozenset({"char", "int", "unsigned int", "unsigned char", "float", "double"})


def _quick_type(parser: Any, cdecl: str) -> tuple[Any, int] | None:
    """The (type, qualifiers) cffi's parse_type_and_quals gives for a simple type; None for others."""
    from cffi import model
    from cffi.commontypes import resolve_common_type

    match = _SIMPLE_TYPE.fullmatch(cdecl)
    if match is None:
        return None
    name, suffix = match.groups()
    declared = parser._declarations.get(f"typedef {name}")
    if declared is not None:
        tp, quals = declared
    elif name in _PRIMITIVES:
        tp, quals = resolve_common_type(parser, name)
    else:
        return None
    if not suffix:
        return tp, quals
    if suffix.startswith("["):
        return model.ArrayType(tp, int(suffix[1:-1]) if suffix != "[]" else None), quals
    for _star in suffix:
        tp, quals = parser._get_type_pointer(tp, quals), 0
    return tp, quals


def _narrow_type_parsing(ffi: Any) -> None:
    parser: Any = getattr(ffi, "_parser", None)
    parse = getattr(parser, "_parse", None)
    parse_type_and_quals = getattr(parser, "parse_type_and_quals", None)
    if (parse is None or parse_type_and_quals is None or not hasattr(parser, "_get_type_pointer")
            or not isinstance(getattr(parser, "_declarations", None), dict)):
        return  # another cffi: left as it is

    def parse_narrowed(csource: str) -> Any:
        if not csource.startswith("void __dummy("):  # cffi's wrapping of a type to parse
            return parse(csource)
        every = parser._declarations
        named = set(_WORD.findall(csource))
        parser._declarations = {key: value for key, value in every.items()
                                if key.startswith("typedef ") and key[8:] in named}
        try:
            return parse(csource)
        finally:
            parser._declarations = every

    def parse_type_quickly(cdecl: str) -> Any:
        quick = _quick_type(parser, cdecl)
        return parse_type_and_quals(cdecl) if quick is None else quick

    parser._parse = parse_narrowed
    parser.parse_type_and_quals = parse_type_quickly


def import_weasyprint() -> types.ModuleType:
    """WeasyPrint, imported quickly (see above); a DataError with the installation hint if it cannot be."""
    module = sys.modules.get("weasyprint")
    if module is not None:
        return module
    try:
        with _quick_import():
            module = importlib.import_module("weasyprint")
        _narrow_type_parsing(importlib.import_module("weasyprint.text.ffi").ffi)
        _parse_ua_before_counting(module)
        return module
    except (ImportError, OSError):
        # Forget what the quick import left half-done (a None entry blocks the import on purpose).
        for name in [n for n, m in sys.modules.items() if m is not None and n.split(".")[0] == "weasyprint"]:
            del sys.modules[name]
    try:
        return importlib.import_module("weasyprint")
    except (ImportError, OSError) as exc:  # OSError: the Pango libraries are missing
        raise DataError(f"{INSTALL_HINT} ({type(exc).__name__}: {exc})") from None


def typeset(html: str, *, built_in: bool = False) -> Document:
    """Lay the HTML out on pages (the WeasyPrint document: its `pages` can be counted).

    `built_in`: the HTML comes from the built-in templates, and ua.css serves as the user-agent
    stylesheet; other HTML (a user's templates) gets WeasyPrint's own.
    """
    weasyprint = import_weasyprint()
    import logging

    logging.getLogger("weasyprint").setLevel(logging.ERROR)  # refused URLs are reported by the tests
    html_class = built_in_html_class() if built_in else weasyprint.HTML
    return html_class(string=html, url_fetcher=_url_fetcher(weasyprint)).render()


def html_to_pdf(html: str, *, built_in: bool = False) -> bytes:
    """The PDF of a brief's HTML (`built_in`: see `typeset`)."""
    data = typeset(html, built_in=built_in).write_pdf()
    assert data is not None  # write_pdf returns bytes when given no target
    return data


def page_text(document: Document) -> list[str]:
    """The text laid out on each page, in reading order (for checks without a PDF parser)."""
    pages = []
    for page in document.pages:
        parts: list[str] = []
        stack: list[Any] = [page._page_box]
        while stack:
            box = stack.pop()
            text = getattr(box, "text", None)
            if isinstance(text, str):
                parts.append(text)
            stack.extend(reversed(list(getattr(box, "children", ()) or ())))
        pages.append(" ".join(parts))
    return pages
