"""Words, with their font and place, from PDF bytes that may have been crafted to hurt.

This module imports pdfplumber (slow to import), so only import it inside the
function that needs it. Everything pdfminer does here runs within fixed limits:

* at most ``max_pages`` pages are interpreted, and the rest are not even walked;
* decoded stream data is capped in total (a few kilobytes of Flate, LZW or
  RunLength data can expand to gigabytes);
* content-stream bytes and tokens interpreted, characters drawn and other
  drawing objects are capped in total (nested form XObjects can multiply the
  work of a small file, and pdfminer spends microseconds on every token).

Any failure, from pdfminer or from a limit, becomes one :class:`InputError` line,
except that a limit reached after the first page keeps the pages read before it.
"""

from __future__ import annotations

import contextvars
import io
import itertools
import logging
import math
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pdfminer.pdfinterp
import pdfminer.pdftypes
import pdfplumber
from pdfminer.layout import LTPage
from pdfminer.lzw import LZWDecoder
from pdfminer.pdfdocument import PDFEncryptionError
from pdfminer.pdfinterp import PDFContentParser, PDFPageInterpreter
from pdfminer.pdfpage import PDFPage
from pdfminer.pdftypes import resolve1, stream_value
from pdfminer.psexceptions import PSEOF
from pdfminer.psparser import PSBaseParserToken
from pdfplumber.page import Page, PDFPageAggregatorWithMarkedContent
from pdfplumber.pdf import PDF

from lurewatch.ingest.errors import InputError

# pdfminer logs malformed input at WARNING; with no handler, Python would print
# those records to stderr, so a hostile file could write to the user's terminal.
for _name in ("pdfminer", "pdfplumber"):
    logging.getLogger(_name).addHandler(logging.NullHandler())

# Sized for the 30 pages read by default: a page of the export sets a few thousand
# characters (an estimate from its layout, not measured on many real files). At
# ~10 microseconds per token or character, each limit costs pdfminer a few seconds.
MAX_DECODED_BYTES = 32 * 1024 * 1024
MAX_CONTENT_BYTES = 2 * 1024 * 1024
MAX_TOKENS = 300_000
MAX_CHARS = 200_000
MAX_OBJECTS = 200_000
# Each form or image costs far more than a character to set up; nested forms
# are how a small file asks for millions of them.
MAX_FIGURES = 5_000


class _LimitExceeded(Exception):
    """A work limit was reached; the message says which."""


class _Budget:
    """What one extraction may still spend. Once exceeded, stays exceeded."""

    def __init__(self) -> None:
        self.decoded = MAX_DECODED_BYTES
        self.content = MAX_CONTENT_BYTES
        self.tokens = MAX_TOKENS
        self.chars = MAX_CHARS
        self.objects = MAX_OBJECTS
        self.figures = MAX_FIGURES
        self.exceeded: str | None = None

    def _fail(self, problem: str) -> _LimitExceeded:
        self.exceeded = self.exceeded or problem
        return _LimitExceeded(self.exceeded)

    def spend_decoded(self, n: int) -> None:
        self.decoded -= n
        if self.decoded < 0 or self.exceeded:
            raise self._fail(f"its compressed data expands to more than {_mb(MAX_DECODED_BYTES)}")

    def spend_content(self, n: int) -> None:
        self.content -= n
        if self.content < 0 or self.exceeded:
            raise self._fail(f"it has more than {_mb(MAX_CONTENT_BYTES)} of page content")

    def spend_token(self) -> None:
        self.tokens -= 1
        if self.tokens < 0 or self.exceeded:
            raise self._fail(f"its pages hold more than {MAX_TOKENS:,} drawing instructions")

    def spend_char(self) -> None:
        self.chars -= 1
        if self.chars < 0 or self.exceeded:
            raise self._fail(f"it draws more than {MAX_CHARS:,} characters")

    def spend_object(self) -> None:
        self.objects -= 1
        if self.objects < 0 or self.exceeded:
            raise self._fail(f"it draws more than {MAX_OBJECTS:,} shapes and images")

    def spend_figure(self) -> None:
        self.figures -= 1
        if self.figures < 0 or self.exceeded:
            raise self._fail(f"it places forms or images more than {MAX_FIGURES:,} times")


def _mb(n: int) -> str:
    return f"{n // (1024 * 1024)} MB"


# The budget of the extraction running in this thread (or task). pdfminer's
# decoders are module functions, so they find it here rather than as an argument.
_BUDGET: contextvars.ContextVar[_Budget | None] = contextvars.ContextVar(
    "lurewatch_pdf_budget", default=None
)


def _budget() -> _Budget:
    budget = _BUDGET.get()
    # Outside an extraction (another user of pdfminer in this process) each call
    # gets a fresh budget: the per-stream cap still holds.
    return budget if budget is not None else _Budget()


class _BoundedInflater:
    """``zlib.decompressobj()`` that stops at the budget instead of exhausting memory."""

    def __init__(self, budget: _Budget) -> None:
        self._d = zlib.decompressobj()
        self._budget = budget

    def decompress(self, data: bytes, max_length: int = 0) -> bytes:
        room = max(self._budget.decoded, 0) + 1
        limit = room if max_length <= 0 else min(room, max_length)
        out = self._d.decompress(data, limit)
        self._budget.spend_decoded(len(out))  # raises if the output reached ``room``
        return out

    @property
    def eof(self) -> bool:
        return self._d.eof


class _BoundedZlib:
    """Stands in for the ``zlib`` module inside ``pdfminer.pdftypes``."""

    error = zlib.error

    @staticmethod
    def decompressobj() -> _BoundedInflater:
        return _BoundedInflater(_budget())

    @staticmethod
    def decompress(data: bytes) -> bytes:
        inflater = _BoundedInflater(_budget())
        out = inflater.decompress(data)
        if not inflater.eof:
            # Keep zlib.decompress's contract: pdfminer then retries leniently.
            raise zlib.error("incomplete or truncated stream")
        return out


def _bounded_lzw(data: bytes) -> bytes:
    budget = _budget()
    out = bytearray()
    for chunk in LZWDecoder(io.BytesIO(data)).run():
        budget.spend_decoded(len(chunk))
        out += chunk
    return bytes(out)


def _bounded_runlength(data: bytes) -> bytes:
    """RunLengthDecode (PDF 32000-1, 7.4.5) within the budget."""
    budget = _budget()
    out = bytearray()
    i, n = 0, len(data)
    while i < n:
        length = data[i]
        if length == 128:
            break
        if length < 128:
            piece = data[i + 1 : i + length + 2]
            i += length + 2
        else:
            piece = data[i + 1 : i + 2] * (257 - length)
            i += 2
        budget.spend_decoded(len(piece))
        out += piece
    return bytes(out)


class _BoundedContentParser(PDFContentParser):
    """Charges every token of a content stream to the budget."""

    def nexttoken(self) -> tuple[int, PSBaseParserToken]:
        _budget().spend_token()
        return super().nexttoken()


def _install_limits() -> None:
    # pdfminer decodes every stream in full and interprets every token, with no
    # limit of its own. The decoders and the content parser it looks up in its
    # module namespaces are the one place every filter chain and every content
    # stream pass through, so they are swapped there. Idempotent.
    vars(pdfminer.pdftypes).update(
        zlib=_BoundedZlib, lzwdecode=_bounded_lzw, rldecode=_bounded_runlength
    )
    vars(pdfminer.pdfinterp).update(PDFContentParser=_BoundedContentParser)


class _BoundedDevice(PDFPageAggregatorWithMarkedContent):
    """pdfplumber's page device, charging every drawn object to the budget."""

    def render_char(self, *args: Any, **kwargs: Any) -> float:
        _budget().spend_char()
        return float(super().render_char(*args, **kwargs))

    def render_image(self, *args: Any, **kwargs: Any) -> None:
        _budget().spend_object()
        super().render_image(*args, **kwargs)

    def paint_path(self, *args: Any, **kwargs: Any) -> None:
        _budget().spend_object()
        super().paint_path(*args, **kwargs)

    def begin_figure(self, *args: Any, **kwargs: Any) -> None:
        _budget().spend_figure()
        super().begin_figure(*args, **kwargs)


class _BoundedInterpreter(PDFPageInterpreter):
    """Charges each content stream (page or form XObject) each time it is run."""

    def execute(self, streams: Sequence[object]) -> None:
        budget = _budget()
        for obj in streams:
            budget.spend_content(len(stream_value(obj).get_data()))
        super().execute(streams)


class _BoundedPage(Page):
    """A pdfplumber page whose layout is built by the bounded device."""

    @property
    def layout(self) -> LTPage:
        if hasattr(self, "_layout"):
            return self._layout
        device = _BoundedDevice(
            self.pdf.rsrcmgr, pageno=self.page_number, laparams=self.pdf.laparams
        )
        _BoundedInterpreter(self.pdf.rsrcmgr, device).process_page(self.page_obj)
        self._layout: LTPage = device.get_result()
        return self._layout


@dataclass(frozen=True, slots=True)
class Word:
    """One word as drawn: page index (0-based), box in points from the top-left, font."""

    text: str
    page: int
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    bold: bool
    color: tuple[float, ...] | None


@dataclass(frozen=True, slots=True)
class PdfWords:
    """The words of the pages read, and how many pages there were."""

    words: tuple[Word, ...]
    page_width: float
    pages_read: int
    pages_total: int | None  # None: more than were read, exact number unknown
    stopped: str | None = None  # why reading stopped before the page limit, if it did


_BOLD = re.compile(r"bold|black|heavy|semibold|demi", re.IGNORECASE)


def _color(value: object) -> tuple[float, ...] | None:
    if isinstance(value, (int, float)):
        value = (value,)
    if isinstance(value, (tuple, list)) and all(isinstance(v, (int, float)) for v in value):
        return tuple(round(float(v), 3) for v in value[:4])
    return None


def _word(raw: dict[str, Any], page: int) -> Word | None:
    # Private-use glyphs (LinkedIn's bullets) are kept: the reader uses them to
    # start a new paragraph, then drops them.
    text = str(raw.get("text", "")).replace("\xa0", " ").strip()
    if not text:
        return None
    try:
        x0, x1, top, bottom, size = (float(raw[k]) for k in ("x0", "x1", "top", "bottom", "size"))
    except (KeyError, TypeError, ValueError):
        return None
    if not all(math.isfinite(v) for v in (x0, x1, top, bottom, size)):
        return None  # a crafted matrix; such text has no place on the page anyway
    return Word(
        text=text,
        page=page,
        x0=x0,
        x1=x1,
        top=top,
        bottom=bottom,
        size=round(abs(size), 2),
        bold=bool(_BOLD.search(str(raw.get("fontname", "")))),
        color=_color(raw.get("non_stroking_color")),
    )


def _page_count(pdf: PDF) -> int | None:
    """The page tree's own count, if it is a plain number."""
    try:
        pages = resolve1(pdf.doc.catalog.get("Pages"))
        count = resolve1(pages.get("Count")) if isinstance(pages, dict) else None
    except Exception:  # a broken catalog only loses the count, not the pages
        return None
    return count if isinstance(count, int) and count >= 0 else None


def read_words(data: bytes, source: str, *, max_pages: int) -> PdfWords:
    """The words of the first ``max_pages`` pages; :class:`InputError` on any problem."""
    if b"%PDF-" not in data[:1024]:
        raise InputError(f"{source}: not a PDF file (no %PDF header)")
    _install_limits()
    budget = _Budget()
    token = _BUDGET.set(budget)
    try:
        return _read(data, source, max_pages)
    except InputError:
        raise
    except RecursionError:
        raise InputError(f"{source}: cannot read this PDF (its objects nest too deeply)") from None
    except MemoryError:
        raise InputError(f"{source}: cannot read this PDF (not enough memory)") from None
    except Exception as exc:  # pdfminer raises many types, some of them builtins
        if budget.exceeded:
            raise InputError(f"{source}: refused: {budget.exceeded}") from None
        inner = _inner(exc)
        if isinstance(inner, PDFEncryptionError):
            raise InputError(_encrypted(source)) from None
        if isinstance(inner, PSEOF):
            raise InputError(
                f"{source}: the PDF ends too early (cut short?); save the profile again"
            ) from None
        raise InputError(
            f"{source}: not a readable PDF ({_describe(inner)}); save the profile again"
        ) from None
    finally:
        _BUDGET.reset(token)


def _encrypted(source: str) -> str:
    return f"{source}: the PDF is encrypted; save the profile again without a password"


def _inner(exc: BaseException) -> BaseException:
    """pdfplumber wraps pdfminer's error in its own; the inner one says what happened."""
    return exc.args[0] if exc.args and isinstance(exc.args[0], BaseException) else exc


def _describe(exc: BaseException) -> str:
    text = " ".join(str(exc).split())[:160]
    name = type(exc).__name__
    return f"{name}: {text}" if text else name


def _read(data: bytes, source: str, max_pages: int) -> PdfWords:
    budget = _BUDGET.get()
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        if pdf.doc.encryption is not None:
            raise InputError(_encrypted(source))
        total = _page_count(pdf)
        words: list[Word] = []
        width = 0.0
        read = 0
        more = False
        # Only as many pages as are read are walked: a page tree can hold millions.
        first_pages = itertools.islice(PDFPage.create_pages(pdf.doc), max_pages + 1)
        for index, page_obj in enumerate(first_pages):
            if index == max_pages:
                more = True
                break
            page = _BoundedPage(pdf, page_obj, page_number=index + 1)
            try:
                raw_words = page.extract_words(
                    keep_blank_chars=False,
                    use_text_flow=False,
                    extra_attrs=["size", "fontname", "non_stroking_color"],
                )
                if index == 0:
                    width = float(page.width)
            except Exception:
                if budget is not None and budget.exceeded and read > 0:
                    more = True  # keep the pages read; the caller notes the rest
                    break
                raise
            finally:
                page.close()
            words.extend(w for w in (_word(r, index) for r in raw_words) if w is not None)
            read += 1
        if budget is not None and budget.exceeded and not more:
            raise InputError(f"{source}: refused: {budget.exceeded}")  # swallowed by pdfminer
    pages_total: int | None = read
    if more:
        pages_total = total if total is not None and total > read else None
    if not math.isfinite(width) or width <= 0:
        width = max((w.x1 for w in words), default=0.0)
    stopped = budget.exceeded if budget is not None else None
    return PdfWords(tuple(words), width, read, pages_total, stopped)
