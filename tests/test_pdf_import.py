"""How the PDF path imports WeasyPrint: no library lookups in subprocesses, fontTools' subsetter,
Pillow, cffi's C parser and WeasyPrint's own stylesheets deferred until used, simple C types
built without the C parser and others parsed against the typedefs they name, and the ordinary
import whenever the quick one cannot work.

Each case runs in a fresh interpreter, since an import can only be watched once per process.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PDF = "<html><body><h1>Brief</h1><p>Kazakhstan · Казахстан 43%</p></body></html>"


def run(code: str) -> None:
    subprocess.run([sys.executable, "-c", textwrap.dedent(code)], check=True, cwd=ROOT)


def run_output(code: str, env: dict[str, str]) -> str:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], check=True, cwd=ROOT, env=env,
                          capture_output=True, text=True).stdout


def test_quick_import_spawns_no_lookup_and_defers_the_subsetter() -> None:
    run(f"""
        import ctypes.util, subprocess, sys
        from diagnostics.reports import pdf

        find_library = ctypes.util.find_library
        spawned = []
        real_popen_init = subprocess.Popen.__init__
        def watched(self, args, *a, **k):
            spawned.append(args)
            real_popen_init(self, args, *a, **k)
        subprocess.Popen.__init__ = watched
        weasyprint = pdf.import_weasyprint()
        subprocess.Popen.__init__ = real_popen_init
        assert spawned == [], spawned
        assert ctypes.util.find_library is find_library
        for name in ("fontTools.subset", "fontTools.varLib", "fontTools.varLib.instancer"):
            assert name not in sys.modules, name
        data = pdf.html_to_pdf({PDF!r})
        import io, pypdf
        assert "Казахстан 43%" in pypdf.PdfReader(io.BytesIO(data)).pages[0].extract_text()
        assert "fontTools.subset" not in sys.modules
        # WeasyPrint's fallbacks still reach the real fontTools when they are used.
        fonts = sys.modules["weasyprint.pdf.fonts"]
        from fontTools.subset import Subsetter
        assert fonts.subset.Subsetter is Subsetter
        try:
            fonts.instantiateVariableFont(None, {{}})
        except Exception as exc:
            assert "fontTools" in type(exc).__module__ or isinstance(exc, (AttributeError, TypeError)), exc
        assert "fontTools.varLib.instancer" in sys.modules
        assert pdf.import_weasyprint() is weasyprint
    """)


def test_types_are_built_without_the_c_parser_or_parsed_narrowly_and_come_out_the_same() -> None:
    # cffi parses each allocated type with every typedef of WeasyPrint's bindings declared; the
    # quick import builds the simple ones from the declarations (pycparser stays unloaded) and
    # parses the others against the typedefs they name. The types must not change.
    run("""
        import importlib.util, sys
        from diagnostics.reports import pdf

        pdf.import_weasyprint()
        from weasyprint.text.ffi import ffi

        parser = ffi._parser
        assert parser._parse.__name__ == "parse_narrowed"
        simple = ["PangoRectangle *", "PangoLogAttr[]", "hb_codepoint_t[3316]", "hb_tag_t[100]", "char[4]",
                  "char[]", "unsigned int *", "FcChar8 **", "PangoFcFontMap *", "PangoGlyphItem *",
                  " PangoRectangle ", "unsigned int", "double[2]", "PangoGlyphString *"]
        built = [parser.parse_type_and_quals(t) for t in simple]
        assert type(sys.modules["pycparser"]) is importlib.util._LazyModule  # not needed so far
        other = ["const char *", "int(*)(int)", "char[010]", "PangoRectangle *[2]"]
        narrowed = [parser.parse_type_and_quals(t) for t in other]
        assert all(pdf._quick_type(parser, t) is None for t in other)
        del parser._parse, parser.parse_type_and_quals  # cffi's own, with every typedef declared
        assert [parser.parse_type_and_quals(t) for t in simple] == built
        assert [parser.parse_type_and_quals(t) for t in other] == narrowed
        assert ffi.sizeof("hb_codepoint_t[3316]") == 4 * 3316
    """)


def test_the_parse_of_weasyprints_c_declarations_is_kept_and_reused(tmp_path: Path) -> None:
    # The first process parses and stores cffi's model; the next one reads it (no parse) and
    # ends up with the same declarations as a fresh parse; a broken entry is parsed again.
    check = f"""
        import os, sys, cffi, cffi.cparser
        parses = []
        real = cffi.cparser.Parser._parse
        cffi.cparser.Parser._parse = lambda self, source: parses.append(1) or real(self, source)
        from diagnostics.reports import pdf
        pdf.import_weasyprint()
        from weasyprint.text.ffi import ffi
        print(len(parses))
        fresh = cffi.FFI()
        fresh.cdef(ffi._cdefsources[0])
        def model(parser):
            return {{name: (str(tp), quals) for name, (tp, quals) in parser._declarations.items()}}
        assert model(ffi._parser) == model(fresh._parser) and len(model(fresh._parser)) > 100
        assert ffi._parser._int_constants == fresh._parser._int_constants
        assert pdf.html_to_pdf({PDF!r}, built_in=True).startswith(b"%PDF")
    """
    env = {**os.environ, "DIAGNOSE_CACHE_DIR": str(tmp_path)}
    parses = [int(run_output(check, env)) for _ in range(2)]
    entries = list(tmp_path.glob("cffi-*.pickle"))
    assert len(entries) == 1 and parses[0] > 0 and parses[1] == 0
    entries[0].write_bytes(b"not a pickle")
    assert int(run_output(check, env)) > 0 and entries[0].read_bytes() != b"not a pickle"


def test_weasyprint_stylesheets_are_parsed_when_first_used() -> None:
    # The built-in templates never need WeasyPrint's user-agent sheets (they have ua.css); other
    # HTML gets them, counter styles included (the list markers).
    run(f"""
        import sys
        from diagnostics.reports import pdf

        weasyprint = pdf.import_weasyprint()
        html = sys.modules["weasyprint.html"]
        sheets = [html.UA_STYLESHEET, html.UA_FORM_STYLESHEET, html.PH_STYLESHEET]
        assert all(isinstance(s, pdf._DeferredSheet) and s._sheet is None for s in sheets)
        assert html.CSS is weasyprint.CSS
        built_in = pdf.typeset("<ol><li>one</li></ol>" + {PDF!r}, built_in=True)
        assert all(s._sheet is None for s in sheets)
        other = pdf.typeset("<ol><li>one</li></ol>" + {PDF!r})
        assert html.UA_STYLESHEET._sheet is not None and html.PH_STYLESHEET._sheet is None
        assert pdf.page_text(built_in) == pdf.page_text(other)
        assert pdf.page_text(other)[0].startswith("1. ")  # the marker: counter style decimal
    """)


def test_a_name_weasyprint_needs_at_import_brings_the_real_module() -> None:
    # WeasyPrint subclasses pydyf.Stream at import: a stand-in for pydyf gives way to the real module.
    run(f"""
        import sys, types
        from diagnostics.reports import pdf

        pdf._DEFERRED_MODULES["pydyf"] = ()
        pdf.import_weasyprint()
        import pydyf
        assert sys.modules["weasyprint.pdf.stream"].Stream.__bases__ == (pydyf.Stream,)
        assert not any(isinstance(m, pdf._Deferred) for m in list(sys.modules.values()) if type(m) is types.ModuleType)
        assert pdf.html_to_pdf({PDF!r}).startswith(b"%PDF")
    """)


def test_fonttools_font_reading_stands_deferred_until_used_then_takes_its_place(tmp_path: Path) -> None:
    # WeasyPrint imports TTFont, TTLibError and two submodules of fontTools.ttLib; a text-only
    # brief never reads a font with fontTools (HarfBuzz subsets). Until used they stand deferred
    # (TTLibError as a class nothing raises); once used, WeasyPrint's modules hold the real ones,
    # so its `except TTLibError` catches fontTools' errors. A WOFF2 @font-face is decoded.
    import io
    import shutil

    from fontTools import subset
    from fontTools.ttLib import TTFont

    fc_match = shutil.which("fc-match")
    assert fc_match is not None
    serif = subprocess.run([fc_match, "-f", "%{file}", "DejaVu Serif"], check=True, capture_output=True,
                           text=True).stdout
    font = TTFont(serif)
    subsetter = subset.Subsetter()
    subsetter.populate(text="Woff face")
    subsetter.subset(font)
    font.flavor = "woff2"
    woff2 = io.BytesIO()
    font.save(woff2)
    import base64

    face = base64.b64encode(woff2.getvalue()).decode()
    html = (f"<style>@font-face {{ font-family: Probe; src: url(data:font/woff2;base64,{face}) }}"
            "p { font-family: Probe }</style><p>Woff face</p>")
    run(f"""
        import io, sys
        from diagnostics.reports import pdf

        pdf.import_weasyprint()
        assert "fontTools.ttLib" not in sys.modules
        fonts, text_fonts = sys.modules["weasyprint.pdf.fonts"], sys.modules["weasyprint.text.fonts"]
        assert issubclass(fonts.TTLibError, Exception) and fonts.TTLibError.__module__ != "fontTools.ttLib"
        data = pdf.html_to_pdf({html!r})
        import fontTools.ttLib, fontTools.ttLib.woff2
        assert text_fonts.woff2 is fontTools.ttLib.woff2  # used: the @font-face was decoded
        import pypdf
        page = pypdf.PdfReader(io.BytesIO(data)).pages[0]
        names = [str(font["/BaseFont"]) for font in page["/Resources"]["/Font"].values()]
        assert any(name.endswith("+Probe") for name in names), names  # the face, not a fallback
        try:
            fonts.TTFont(io.BytesIO(b"not a font"))
        except fontTools.ttLib.TTLibError:
            pass
        assert fonts.TTFont is fontTools.ttLib.TTFont and text_fonts.TTFont is fontTools.ttLib.TTFont
        assert fonts.TTLibError is fontTools.ttLib.TTLibError
        assert fonts.ttFont is fontTools.ttLib.ttFont
    """)


def test_a_failed_quick_import_falls_back_to_the_ordinary_one() -> None:
    # A stand-in for a package whose submodule WeasyPrint imports makes the quick import fail.
    run(f"""
        import sys
        from diagnostics.reports import pdf

        pdf._DEFERRED_MODULES["tinycss2"] = ()
        weasyprint = pdf.import_weasyprint()
        assert not isinstance(sys.modules["tinycss2"], pdf._Deferred)
        assert sys.modules["weasyprint"] is weasyprint
        assert pdf.html_to_pdf({PDF!r}).startswith(b"%PDF")
    """)


def test_without_weasyprint_one_message_names_what_to_install() -> None:
    run(f"""
        import sys
        sys.modules["weasyprint"] = None  # as if it were not installed
        from diagnostics.errors import DataError
        from diagnostics.reports import pdf

        try:
            pdf.html_to_pdf({PDF!r})
        except DataError as exc:
            assert "pip install weasyprint" in exc.message and "libpango" in exc.message, exc.message
        else:
            raise AssertionError("no DataError")
    """)


def brief_in_child(tmp_path: Path, name: str, *options: str, before: str = "", check: str = "",
                   ordinary: bool = False) -> str:
    """Runs `before`, `diagnose brief KZ ... -o <name>.pdf` and `check` in a fresh interpreter;
    returns the PDF's text, page by page (`ordinary`: WeasyPrint imported the ordinary way first)."""
    out = tmp_path / f"{name}.pdf"
    args = ["brief", "KZ", "--date", "2025-04-01", *options, "-o", str(out)]
    return run_output(f"""
        import sys
        {"import weasyprint" if ordinary else ""}
        from diagnostics.cli import main
        from diagnostics.reports import pdf
        {textwrap.indent(textwrap.dedent(before), " " * 8).strip()}

        main({args!r}, standalone_mode=False)
        {textwrap.indent(textwrap.dedent(check), " " * 8).strip()}
        import pypdf  # (it may import Pillow itself)
        reader = pypdf.PdfReader({str(out)!r})
        print(repr([page.extract_text() for page in reader.pages]))
    """, dict(os.environ))


def test_a_built_in_pdf_brief_leaves_what_it_never_uses_unloaded(tmp_path: Path) -> None:
    # Raster images, WOFF2 fonts, colour profiles and cffi's C parser are imported by WeasyPrint
    # but never needed for the built-in brief: they stay unexecuted (lazy) or unimported to the end.
    # The command imports WeasyPrint with the garbage collector paused, and freezes what it loaded.
    quick = brief_in_child(tmp_path, "quick", before="""
        import gc
        collector = []
        import_weasyprint = pdf.import_weasyprint
        def watched():
            collector.append(gc.isenabled())
            return import_weasyprint()
        pdf.import_weasyprint = watched
    """, check="""
        assert collector[:1] == [False], collector
        assert gc.isenabled() and gc.get_freeze_count() == 0  # unfrozen when the command returned
        import importlib.util
        lazy = ["PIL.Image", "PIL.ImageFile", "PIL.ImageOps", "PIL.EpsImagePlugin", "pycparser"]
        loaded = [name for name in lazy if type(sys.modules[name]) is not importlib.util._LazyModule]
        assert loaded == [], loaded
        for name in ("PIL.ImageCms", "fontTools.subset", "fontTools.varLib.instancer", "fontTools.ttLib",
                     "fontTools.ttLib.woff2", "ssl"):
            assert name not in sys.modules, name
        assert sys.modules["weasyprint.pdf.anchors"].MIMETYPES._real is None  # no attachment
    """)
    # The same brief with WeasyPrint imported the ordinary way: the same pages, the same text.
    assert 1 <= len(ast.literal_eval(quick)) <= 2
    assert quick == brief_in_child(tmp_path, "ordinary", ordinary=True)


def test_a_user_template_with_images_still_renders_them(tmp_path: Path) -> None:
    # Images written into a user's template (data: URLs) are typeset: the PNG through Pillow,
    # loaded when first used, with WeasyPrint's settings on it; any other URL is refused and left out.
    import base64

    png = "iVBORw0KGgoAAAANSUhEUgAAAAQAAAAEAQAAAACBiqPTAAAAC0lEQVR4nGNggAAAAAgAAbdYc5UAAAAASUVORK5CYII="
    svg = base64.b64encode(b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
                           b'<rect width="10" height="10" fill="blue"/></svg>').decode()
    body = (f'<p>Logo <img src="data:image/png;base64,{png}" style="width:2cm"> and '
            f'<img src="data:image/svg+xml;base64,{svg}" style="width:2cm"> '
            '<img src="https://example.org/tracker.png" alt="">end</p>')
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "brief.html.j2").write_text(
        "<html><body><h1>{{ brief.meta.title }}</h1>" + body + "</body></html>", encoding="utf-8")
    pages = brief_in_child(tmp_path, "user", "--template-dir", str(templates), check=f"""
        import importlib.util
        assert type(sys.modules["PIL.Image"]) is not importlib.util._LazyModule  # loaded to read the PNG
        assert sys.modules["PIL.EpsImagePlugin"].gs_binary is False  # as WeasyPrint set it
        assert sys.modules["PIL.ImageFile"].LOAD_TRUNCATED_IMAGES is True
        replaced, stack = [], [pdf.typeset({body!r}).pages[0]._page_box]
        while stack:
            box = stack.pop()
            if type(box).__name__ == "InlineReplacedBox":
                replaced.append(type(box.replacement).__name__)
            stack.extend(getattr(box, "children", ()) or ())
        assert sorted(replaced) == ["RasterImage", "SVGImage"], replaced
    """)
    assert "Logo" in pages and "end" in pages
    import pypdf

    [png] = pypdf.PdfReader(tmp_path / "user.pdf").pages[0].images
    assert png.image is not None and png.image.size == (4, 4)
