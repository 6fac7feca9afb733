"""Read a profile saved with LinkedIn's "More > Save to PDF" into a :class:`Profile`.

The export has two columns. The left one holds ``Contact`` (the profile
address, e-mail, phone, websites), ``Top Skills``, ``Languages``,
``Certifications``, ``Honors-Awards`` and ``Publications``; the right one the
name in the largest font, the headline, the location, then ``Summary``,
``Experience`` and ``Education``.

The reader works from the layout, not from extracted plain text: it splits the
columns at the widest vertical gap between words, rebuilds lines from word
positions and tells headings, employers and job titles apart by font size and
weight. The PDF itself is read by :mod:`lurewatch.ingest.pdf_words`, within limits.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lurewatch.ingest.errors import InputError
from lurewatch.model import Education, Position, Profile

if TYPE_CHECKING:
    from lurewatch.ingest.pdf_words import Word

MAX_PAGES = 30

# The lengths the model accepts (see ``ShortText`` and ``LongText`` in lurewatch.model).
_SHORT = 20_000
_LONG = 200_000

_HEADINGS = frozenset(
    {
        "Contact",
        "Top Skills",
        "Languages",
        "Certifications",
        "Honors-Awards",
        "Publications",
        "Patents",
        "Summary",
        "Experience",
        "Education",
        "Volunteer Experience",
        "Projects",
        "Courses",
        "Organizations",
    }
)
_FOOTER = re.compile(r"Page \d{1,6} of \d{1,6}", re.IGNORECASE)
_SPACES = re.compile(r"\s+")
_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")
# LinkedIn draws list bullets with private-use glyphs; a bullet starts a paragraph.
_BULLET = re.compile("[\ue000-\uf8ff•●▪◦‣]")

_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_POINT = rf"(?:{_MONTH} )?\d{{4}}"
_UNIT = r"(?:years?|yrs?|months?|mos?)"
_DURATION = rf"(?:less than a year|\d{{1,3}} {_UNIT}(?: \d{{1,3}} {_UNIT})?)"
_DATES = re.compile(
    rf"(?P<start>{_POINT}) ?[-–—] ?(?P<end>{_POINT}|Present)"
    rf"(?: ?\( ?{_DURATION} ?\)| ?[·•]? ?{_DURATION})?",
    re.IGNORECASE,
)
_DURATION_ONLY = re.compile(rf"\(? ?{_DURATION} ?\)?", re.IGNORECASE)
_EDU_DATES = re.compile(r" ?[·•]? ?\((?P<start>[^()]{1,40}?)(?: ?[-–—] ?(?P<end>[^()]{1,40}?))?\)$")
_CONTACT_LABEL = re.compile(
    r"\s*\((?P<label>LinkedIn|Mobile|Work|Home|Company|Personal|Blog|Portfolio|Other"
    r"|RSS Feed)\)$",
    re.IGNORECASE,
)
_WEBSITE_LABELS = frozenset({"company", "personal", "blog", "portfolio", "other", "rss feed"})
_PROFILE_URL = re.compile(
    r"(?:https?://)?(?:[a-z]{2,3}\.)?linkedin\.com/in/[^\s()<>]+", re.IGNORECASE
)
_MAX_PATTERN_LINE = 160  # date patterns are only tried on lines this short


@dataclass(frozen=True, slots=True)
class _Line:
    text: str
    page: int
    top: float
    bottom: float
    size: float
    bold: bool
    color: tuple[float, ...] | None
    bullet: bool = False

    @property
    def style(self) -> tuple[float, bool, tuple[float, ...] | None]:
        return (self.size, self.bold, self.color)


def parse_profile_pdf(
    data: bytes, source: str, *, max_pages: int = MAX_PAGES
) -> tuple[Profile, tuple[str, ...]]:
    """The profile in a LinkedIn "Save to PDF" file, and notes on what was skipped.

    ``data`` is already size-capped by the caller. Raises :class:`InputError`
    (one line naming ``source``) for anything that is not a readable,
    text-bearing LinkedIn profile PDF.
    """
    from lurewatch.ingest.pdf_words import read_words  # imports pdfplumber: slow

    extracted = read_words(data, source, max_pages=max(1, max_pages))
    notes: list[str] = []
    if extracted.pages_read < (extracted.pages_total or extracted.pages_read + 1):
        total = extracted.pages_total
        note = (
            f"read the first {extracted.pages_read} of {total} pages of {source}"
            if total is not None
            else f"read the first {extracted.pages_read} pages of {source}; it has more"
        )
        if extracted.stopped:
            note += f" (the rest was not read: {extracted.stopped})"
        notes.append(note)
    words = _drop_footers(extracted.words)
    if not words:
        raise InputError(
            f"{source}: the PDF has no text layer (a scan or screenshot?); save the "
            "profile again with LinkedIn's More > Save to PDF, or describe it as JSON"
        )
    if sum("(cid:" in w.text for w in words) > len(words) / 2:
        # pdfminer writes "(cid:N)" for glyphs its font gives no Unicode for.
        raise InputError(
            f"{source}: the PDF's text cannot be decoded (its fonts lack a Unicode map)"
        )
    complete = extracted.pages_total == extracted.pages_read
    profile = _Reader(words, extracted.page_width, complete, notes).profile(source)
    return profile, tuple(notes)


class _Reader:
    """Turns the words of one export into a profile, collecting notes as it goes."""

    def __init__(
        self, words: Sequence[Word], page_width: float, complete: bool, notes: list[str]
    ) -> None:
        self.complete = complete
        self.notes = notes
        boundary = _column_boundary(words, page_width)
        left = [w for w in words if boundary is not None and (w.x0 + w.x1) / 2 < boundary]
        right = [w for w in words if boundary is None or (w.x0 + w.x1) / 2 >= boundary]
        self.left = _lines(left)
        self.right = _lines(right)

    def profile(self, source: str) -> Profile:
        _, left = _sections(self.left)
        intro, right = _sections(self.right)
        sections = {**left, **right}
        contact = sections.get("Contact")
        profile_url, websites = _contact(contact or [])
        if not sections and profile_url is None:
            raise InputError(
                f"{source}: does not look like a LinkedIn profile saved with 'Save to PDF' "
                "(no Contact, Summary, Experience or Education section)"
            )
        name, headline, location = _top_card(intro)
        experience = self._experience(sections.get("Experience"))
        education = self._education(sections.get("Education"))
        company = ""
        current = experience[0] if experience else None
        if current is not None and (current.end or "present").lower() == "present":
            company = current.company
        return Profile(
            name=self._clip("name", name, _SHORT),
            headline=self._clip("headline", headline, _SHORT),
            company=company,
            location=self._clip("location", location, _SHORT),
            about=self._clip("Summary", _paragraphs(sections.get("Summary", [])), _LONG),
            profile_url=profile_url,
            experience=experience,
            education=education,
            websites=websites if contact is not None else None,
        )

    def _clip(self, what: str, text: str, limit: int) -> str:
        if len(text) <= limit:
            return text
        self.notes.append(f"the {what} was cut to its first {limit:,} characters")
        return text[:limit]

    def _experience(self, lines: list[_Line] | None) -> list[Position] | None:
        if lines is None:
            # Missing from a complete export: the profile shows none. Missing from a
            # partly read one: it may be on a page that was skipped.
            return [] if self.complete else None
        positions = _positions(lines)
        if positions is None:
            self.notes.append(
                "the Experience section was not read: no dates like 'Mar 2021 - Present' found"
            )
            return None
        return [
            Position(
                title=self._clip("job title", p.title, _SHORT),
                company=self._clip("employer", p.company, _SHORT),
                start=p.start,
                end=p.end,
                location=self._clip("job location", p.location, _SHORT),
                description=self._clip("job description", p.description, _LONG),
            )
            for p in positions
        ]

    def _education(self, lines: list[_Line] | None) -> list[Education] | None:
        if lines is None:
            return [] if self.complete else None
        return [
            Education(
                school=self._clip("school", e.school, _SHORT),
                degree=self._clip("degree", e.degree, _SHORT),
                start=e.start,
                end=e.end,
            )
            for e in _schools(lines)
        ]


# -- layout -----------------------------------------------------------------------


def _rows(words: Iterable[Word]) -> list[list[Word]]:
    """Words grouped into rows: same page, vertical middle within the row's first word."""
    rows: list[list[Word]] = []
    anchor: Word | None = None
    for w in sorted(words, key=lambda w: (w.page, w.top, w.x0)):
        middle = (w.top + w.bottom) / 2
        if anchor is not None and w.page == anchor.page and anchor.top <= middle <= anchor.bottom:
            rows[-1].append(w)
        else:
            rows.append([w])
            anchor = w
    return rows


def _row_text(row: Sequence[Word]) -> str:
    return _clean(_raw_row_text(row))


def _raw_row_text(row: Sequence[Word]) -> str:
    parts: list[str] = []
    prev: Word | None = None
    for w in sorted(row, key=lambda w: w.x0):
        # pdfplumber splits a word where the font changes; glue touching pieces.
        if prev is not None and w.x0 - prev.x1 > 0.1 * max(w.size, prev.size, 1.0):
            parts.append(" ")
        parts.append(w.text)
        prev = w
    return "".join(parts)


def _clean(text: str) -> str:
    text = _PRIVATE_USE.sub("", text.replace("\xa0", " "))
    return _SPACES.sub(" ", text).strip()


def _drop_footers(words: Sequence[Word]) -> list[Word]:
    """Without the "Page N of M" rows (they sit across the column gap)."""
    kept: list[Word] = []
    for row in _rows(words):
        if not _FOOTER.fullmatch(_row_text(row)):
            kept.extend(row)
    return kept


def _column_boundary(words: Sequence[Word], page_width: float) -> float | None:
    """The x of the widest vertical gap between words, in the page's left part.

    LinkedIn's sidebar takes roughly the left third; searching for the gap (not
    assuming a number) survives other paper sizes and margins. A gap no word
    crosses is preferred; failing that, one that very few words cross.
    """
    for allowed in (0, len(words) // 100):
        gap = _widest_gap(words, 0.1 * page_width, 0.6 * page_width, allowed)
        if gap is not None:
            return gap
    return None


def _widest_gap(words: Sequence[Word], lo: float, hi: float, allowed: int) -> float | None:
    # Sweep the word edges; a run where at most ``allowed`` words overlap is a gap.
    edges = sorted([(w.x0, 1) for w in words] + [(w.x1, -1) for w in words])
    best: tuple[float, float] | None = None
    cover = 0
    opened: float | None = None
    for x, step in edges:
        before, cover = cover, cover + step
        if before > allowed >= cover:
            opened = x
        elif before <= allowed < cover and opened is not None:
            middle, width = (opened + x) / 2, x - opened
            if lo <= middle <= hi and width >= 6 and (best is None or width > best[1] - best[0]):
                best = (opened, x)
            opened = None
    return None if best is None else (best[0] + best[1]) / 2


def _lines(words: Sequence[Word]) -> list[_Line]:
    lines: list[_Line] = []
    for row in _rows(words):
        raw = _raw_row_text(row)
        bullet = _BULLET.match(raw) is not None
        text = _clean(raw[1:] if bullet else raw)
        if not text or _FOOTER.fullmatch(text):
            continue
        main = max(row, key=lambda w: len(w.text))
        lines.append(
            _Line(
                text=text,
                page=row[0].page,
                top=min(w.top for w in row),
                bottom=max(w.bottom for w in row),
                size=main.size,
                bold=main.bold,
                color=main.color,
                bullet=bullet,
            )
        )
    return lines


def _body_style(lines: Sequence[_Line]) -> tuple[float, bool]:
    """The (size, bold) most of the characters are set in."""
    counts: Counter[tuple[float, bool]] = Counter()
    for line in lines:
        counts[(line.size, line.bold)] += len(line.text)
    return counts.most_common(1)[0][0] if counts else (0.0, False)


def _is_heading(line: _Line, body: tuple[float, bool], uniform: bool) -> bool:
    if line.text not in _HEADINGS:
        return False
    return uniform or line.size >= body[0] + 1.5 or (line.bold and not body[1])


def _sections(lines: Sequence[_Line]) -> tuple[list[_Line], dict[str, list[_Line]]]:
    """Lines before the first heading, and the lines under each heading."""
    body = _body_style(lines)
    uniform = len({(line.size, line.bold) for line in lines}) <= 1
    intro: list[_Line] = []
    sections: dict[str, list[_Line]] = {}
    current = intro
    for line in lines:
        if _is_heading(line, body, uniform):
            current = sections.setdefault(line.text, [])
        else:
            current.append(line)
    return intro, sections


def _paragraphs(lines: Sequence[_Line]) -> str:
    """Wrapped lines joined with spaces; a blank-line gap or a bullet starts a paragraph."""
    paragraphs: list[list[str]] = []
    prev: _Line | None = None
    for line in lines:
        gap = line.top - prev.bottom if prev is not None and prev.page == line.page else 0.0
        if prev is None or line.bullet or gap > 0.8 * max(line.size, prev.size):
            paragraphs.append([])
        paragraphs[-1].append(line.text)
        prev = line
    return "\n".join(" ".join(p) for p in paragraphs)


def _runs(lines: Sequence[_Line]) -> list[list[_Line]]:
    """Consecutive lines of the same font, size and colour."""
    runs: list[list[_Line]] = []
    for line in lines:
        if runs and runs[-1][-1].style == line.style:
            runs[-1].append(line)
        else:
            runs.append([line])
    return runs


def _join(lines: Iterable[_Line]) -> str:
    return " ".join(line.text for line in lines)


# -- sections ---------------------------------------------------------------------


def _top_card(intro: Sequence[_Line]) -> tuple[str, str, str]:
    """Name (largest font), headline, location: the right column above its first heading."""
    if not intro:
        return "", "", ""
    intro = [line for line in intro if line.page == intro[0].page]
    largest = max(line.size for line in intro)
    start = next(i for i, line in enumerate(intro) if line.size == largest)
    end = start
    while end < len(intro) and intro[end].size == largest:
        end += 1
    name = _join(intro[start:end])
    runs = _runs(intro[end:])
    if not runs:
        return name, "", ""
    if len(runs) == 1:
        only = runs[0]
        if len(only) == 1:
            return name, only[0].text, ""
        return name, _join(only[:-1]), only[-1].text
    return name, _join(runs[0]), _join(runs[-1])


def _contact(lines: Sequence[_Line]) -> tuple[str | None, list[str]]:
    """The profile address and websites; e-mail and phone are not kept.

    Each item ends with a label such as ``(LinkedIn)`` or ``(Company)``; a long
    address wraps over lines without a hyphen, so pieces are joined without space.
    """
    profile_url: str | None = None
    websites: list[str] = []
    pending: list[str] = []

    def finish(item: str, label: str) -> None:
        nonlocal profile_url
        found = _PROFILE_URL.search(item)
        if found and profile_url is None and label in ("linkedin", ""):
            url = found.group(0)
            profile_url = url if url.lower().startswith("http") else "https://" + url
        elif label in _WEBSITE_LABELS and item:
            websites.append(item[:2000])

    for line in lines:
        text = line.text
        if "@" in text and " " not in text and not pending:
            continue  # an e-mail address
        labelled = _CONTACT_LABEL.search(text)
        if labelled is None:
            pending.append(text)
            if len(pending) > 4:  # not a wrapped item: let the oldest piece go
                finish(pending.pop(0), "")
            continue
        pending.append(text[: labelled.start()])
        finish("".join(pending).strip(), labelled.group("label").lower())
        pending = []
    for text in pending:
        finish(text, "")
    return profile_url, websites


@dataclass(slots=True)
class _Role:
    title: str
    company: str
    start: str
    end: str
    location: str = ""
    description: str = ""


def _is_dates(line: _Line) -> re.Match[str] | None:
    if len(line.text) > _MAX_PATTERN_LINE:
        return None
    return _DATES.fullmatch(line.text)


def _is_duration(line: _Line) -> bool:
    return len(line.text) <= _MAX_PATTERN_LINE and bool(_DURATION_ONLY.fullmatch(line.text))


def _positions(lines: Sequence[_Line]) -> list[_Role] | None:
    """Experience entries, anchored on their date lines.

    Above each date line sit the job title and, unless it is a further role at
    the same employer, the employer (with the total time there when there are
    several roles); both are set larger or bolder than the text under them.
    """
    dated = [(i, m) for i, line in enumerate(lines) if (m := _is_dates(line))]
    if not dated:
        return None if lines else []
    body = _body_style(lines)
    uniform = len({(line.size, line.bold) for line in lines}) <= 1

    def emphasised(line: _Line) -> bool:
        return line.size > body[0] + 0.25 or (line.bold and not body[1])

    starts: list[int] = []
    roles: list[_Role] = []
    employer = ""
    floor = -1
    for d, match in dated:
        j = d - 1
        if uniform:
            j = max(floor, d - 4 if d >= 2 and _is_duration(lines[d - 2]) else d - 3)
        else:
            while j > floor and (emphasised(lines[j]) or _is_duration(lines[j])):
                j -= 1
        header = [line for line in lines[j + 1 : d] if not _is_duration(line)]
        if header:
            last = header[-1].style
            k = len(header) - 1
            if not uniform:
                while k > 0 and header[k - 1].style == last:
                    k -= 1
            title, employer_lines = _join(header[k:]), header[:k]
            if employer_lines:
                employer = _join(employer_lines)
        else:
            title = ""
        starts.append(j + 1)
        roles.append(_Role(title, employer, match.group("start"), match.group("end")))
        floor = d
    for n, (d, _match) in enumerate(dated):
        stop = starts[n + 1] if n + 1 < len(dated) else len(lines)
        rest = list(lines[d + 1 : stop])
        if rest and _is_location(rest[0], lines[d]):
            roles[n].location = rest.pop(0).text
        roles[n].description = _paragraphs(rest)
    return roles


def _is_location(line: _Line, dates: _Line) -> bool:
    """Set like the date line above it, and short, with no sentence ending."""
    return (
        line.style == dates.style
        and len(line.text.split()) <= 12
        and not line.text.endswith((".", "!", "?", ":", ";"))
    )


def _schools(lines: Sequence[_Line]) -> list[Education]:
    """Education entries: the school (set larger or bolder), then degree and years."""
    body = _body_style(lines)
    uniform = len({(line.size, line.bold) for line in lines}) <= 1
    groups: list[tuple[list[_Line], list[_Line]]] = []
    for line in lines:
        if uniform:
            # No font to go by: a school line follows a line that ended in years.
            if not groups or (
                groups[-1][1] and _EDU_DATES.search(groups[-1][1][-1].text) is not None
            ):
                groups.append(([line], []))
            else:
                groups[-1][1].append(line)
        elif line.size > body[0] + 0.25 or (line.bold and not body[1]):
            if groups and not groups[-1][1]:
                groups[-1][0].append(line)  # a school name wrapped over lines
            else:
                groups.append(([line], []))
        elif groups:
            groups[-1][1].append(line)
        else:
            groups.append(([], [line]))
    entries: list[Education] = []
    for school_lines, degree_lines in groups:
        degree = _join(degree_lines)
        start = end = None
        years = _EDU_DATES.search(degree[-100:])
        if years and any(c.isdigit() for c in years.group(0)):
            start = years.group("start").strip() or None
            end = (years.group("end") or "").strip() or None
            degree = degree[: len(degree) - len(years.group(0))]
        entries.append(
            Education(school=_join(school_lines), degree=degree.strip(" ·,"), start=start, end=end)
        )
    return entries
