"""Plain text from hostile HTML fragments (message bodies), without running anything."""

from __future__ import annotations

import html
from html.parser import HTMLParser

from lurewatch.ingest.safe_markup import simplify_markup

_BLOCK = frozenset(
    {"p", "div", "br", "li", "ul", "ol", "tr", "table", "h1", "h2", "h3", "h4", "h5", "h6",
     "blockquote", "pre", "hr", "section", "article", "header", "footer"}
)  # fmt: skip
_SKIP = frozenset({"script", "style", "head", "title", "template", "noscript", "iframe", "object"})
MAX_HTML_CHARS = 4_000_000


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self._skipping += 1
        elif tag in _BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self._skipping = max(0, self._skipping - 1)
        elif tag in _BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def html_to_text(fragment: str) -> str:
    """The visible text of an HTML fragment; scripts and styles are dropped."""
    parser = _Text()
    try:
        # simplify_markup first: html.parser alone is quadratic on unfinished tags.
        parser.feed(simplify_markup(fragment[:MAX_HTML_CHARS]))
        parser.close()
    except (AssertionError, ValueError):  # malformed markup: keep what was read
        pass
    text = "".join(parser.parts)
    lines = (" ".join(line.split()) for line in html.unescape(text).splitlines())
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()
