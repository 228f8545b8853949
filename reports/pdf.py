"""PDF through WeasyPrint: the HTML of a brief typeset on A4 with its print stylesheet.

The stylesheet (brief.css, `@page`) sets the page numbers and the running title; no browser
adds headers or footers. Fonts come from fontconfig: the stylesheet asks for DejaVu first,
which covers Latin and Cyrillic (Debian: fonts-dejavu-core). Nothing is fetched: the HTML is
self-contained and any URL a template names is refused.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from diagnostics.errors import DataError

if TYPE_CHECKING:
    from weasyprint import Document

INSTALL_HINT = ("PDF output needs WeasyPrint and the Pango libraries: pip install weasyprint; "
                "on Debian/Ubuntu apt-get install libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core")


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    raise ValueError(f"the brief is self-contained; {url[:60]!r} is not fetched")


def typeset(html: str) -> Document:
    """Lay the HTML out on pages (the WeasyPrint document: its `pages` can be counted)."""
    try:
        import weasyprint
    except (ImportError, OSError) as exc:  # OSError: the Pango libraries are missing
        raise DataError(f"{INSTALL_HINT} ({type(exc).__name__}: {exc})") from None
    import logging

    logging.getLogger("weasyprint").setLevel(logging.ERROR)  # refused URLs are reported by the tests
    return weasyprint.HTML(string=html, url_fetcher=_no_fetch).render()


def html_to_pdf(html: str) -> bytes:
    """The PDF of a brief's HTML."""
    data = typeset(html).write_pdf()
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
