"""Reading LinkedIn "Save to PDF" profiles, and refusing hostile PDFs in one line.

Every PDF here is synthetic, drawn by the tests with reportlab in the layout of
LinkedIn's export; the people and firms are invented.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import random
import subprocess
import sys
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import msgspec
import pytest
import reportlab
from hypothesis import given, settings
from hypothesis import strategies as st
from reportlab.lib.pagesizes import letter
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics, ttfonts
from reportlab.pdfgen import canvas

from lurewatch.ingest import pdf_words
from lurewatch.ingest.errors import InputError
from lurewatch.ingest.profile_pdf import parse_profile_pdf
from lurewatch.model import Education, Position, Profile
from lurewatch.render import to_json
from lurewatch.service import Checker
from lurewatch.settings import Settings

# -- drawing a synthetic export ---------------------------------------------------

_FONTS = Path(reportlab.__file__).parent / "fonts"
pdfmetrics.registerFont(ttfonts.TTFont("Vera", str(_FONTS / "Vera.ttf")))
pdfmetrics.registerFont(ttfonts.TTFont("Vera-Bold", str(_FONTS / "VeraBd.ttf")))

WIDTH, HEIGHT = letter
LEFT_X, RIGHT_X = 28.0, 226.0
TOP, BOTTOM = 760.0, 60.0
GRAY = 0.45  # dates, locations and the footer are grey in the export
BULLET = "\u2022"  # drawn as a bullet; its text layer says U+F0A7 (see _private_use_bullets)


@dataclass(frozen=True)
class T:
    """One line of text as the export sets it."""

    text: str
    size: float = 10.5
    bold: bool = False
    gray: float = 0.0
    before: float = 0.0  # extra space above the line


PAGE = T("<page break>")

# LinkedIn's sizes: name 26, section headings 15.75 (13 in the sidebar),
# employer and school 12, job title 11.5, everything else 10.5.
NAME, HEADING, SIDE_HEADING, EMPLOYER, TITLE = 26.0, 15.75, 13.0, 12.0, 11.5


def heading(text: str) -> T:
    return T(text, HEADING, before=10)


def side(text: str) -> T:
    return T(text, SIDE_HEADING, before=8)


def grey(text: str) -> T:
    return T(text, gray=GRAY)


@contextmanager
def _private_use_bullets() -> Iterator[None]:
    """Make the text layer map the bullet glyph to U+F0A7, as LinkedIn's fonts do."""
    original = ttfonts.makeToUnicodeCMap

    def cmap(fontname: str, subset: Sequence[int]) -> str:
        return original(fontname, [0xF0A7 if c == ord(BULLET) else c for c in subset])

    with mock.patch.object(ttfonts, "makeToUnicodeCMap", cmap):
        yield


def _place(flow: Sequence[T]) -> list[tuple[int, float, T]]:
    """Each line's page and baseline, flowing down a column and over page breaks."""
    placed: list[tuple[int, float, T]] = []
    page, y = 0, TOP
    for line in flow:
        if line is PAGE:
            page, y = page + 1, TOP
            continue
        y -= line.before + line.size * 1.25
        if y < BOTTOM:
            page, y = page + 1, TOP - line.size * 1.25
        placed.append((page, y, line))
    return placed


def draw_profile(
    left: Sequence[T],
    right: Sequence[T],
    *,
    encrypt: object = None,
    extra_pages: int = 0,
    compress: bool = False,
) -> bytes:
    """A two-column export: sidebar at x=28, main column at x=226, "Page N of M" footers."""
    placed = [(LEFT_X, *p) for p in _place(left)] + [(RIGHT_X, *p) for p in _place(right)]
    pages = max(page for _, page, _, _ in placed) + 1 + extra_pages
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=letter, encrypt=encrypt, pageCompression=int(compress))
    for number in range(pages):
        for x, page, y, line in placed:
            if page == number:
                c.setFillGray(line.gray)
                c.setFont("Vera-Bold" if line.bold else "Vera", line.size)
                c.drawString(x, y, line.text)
        if number >= pages - extra_pages:
            c.setFont("Vera", 10.5)
            c.drawString(RIGHT_X, TOP - 20, "Filler")
        c.setFillGray(GRAY)
        c.setFont("Vera", 9)
        c.drawCentredString(WIDTH / 2, 24, f"Page {number + 1} of {pages}")
        c.showPage()
    with _private_use_bullets():
        c.save()
    return buf.getvalue()


# -- the synthetic people ---------------------------------------------------------

SIDEBAR = [
    side("Contact"),
    T("ctallant@northbridge.example"),
    T("www.linkedin.com/in/corvina-"),
    T("tallant-4b7e21 (LinkedIn)"),
    T("northbridge-search.example"),
    T("(Company)"),
    T("+41 22 555 0147 (Mobile)"),
    side("Top Skills"),
    T("Executive Search"),
    T("Board Advisory"),
    T("Public Policy"),
    side("Languages"),
    T("English (Native or Bilingual)"),
    T("French (Professional Working)"),
    PAGE,
    side("Honors-Awards"),
    T("Quillfield Prize for Advisory Work"),
]
MAIN = [
    T("Corvina Tallant", NAME),
    T("Chief Executive Officer at Northbridge\u00a0Executive Search", 12, before=4),
    grey("Geneva Area, Switzerland"),
    heading("Summary"),
    T("I connect senior people in government and industry with boards that"),
    T("need their judgement. Confidential, long-term, relationship-led."),
    T("Happy to talk about advisory and speaking work.", before=10.5),
    heading("Experience"),
    T("Northbridge Executive Search", EMPLOYER, before=4),
    T("Chief Executive Officer", TITLE),
    grey("Mar 2021 - Present (2 years 3 months)"),
    grey("Geneva, Switzerland"),
    T(f"{BULLET} Advises ministries and boards on senior appointments."),
    T(f"{BULLET} Builds long-term relationships with policy experts across"),
    T("Europe and Asia."),
    PAGE,
    T("Halden Policy Institute", EMPLOYER, before=4),
    T("Senior Research Fellow", TITLE),
    grey("Jan 2016 - Feb 2021 · 5 yrs 2 mos"),
    T("Wrote briefings on trade and energy policy for private clients."),
    heading("Education"),
    T("Ostvale University", EMPLOYER, before=4),
    grey("Master of Arts - MA, International Relations · (2012 - 2014)"),
]
TALLANT = Profile(
    name="Corvina Tallant",
    headline="Chief Executive Officer at Northbridge Executive Search",
    company="Northbridge Executive Search",
    location="Geneva Area, Switzerland",
    about=(
        "I connect senior people in government and industry with boards that need their "
        "judgement. Confidential, long-term, relationship-led.\n"
        "Happy to talk about advisory and speaking work."
    ),
    profile_url="https://www.linkedin.com/in/corvina-tallant-4b7e21",
    experience=[
        Position(
            title="Chief Executive Officer",
            company="Northbridge Executive Search",
            start="Mar 2021",
            end="Present",
            location="Geneva, Switzerland",
            description=(
                "Advises ministries and boards on senior appointments.\n"
                "Builds long-term relationships with policy experts across Europe and Asia."
            ),
        ),
        Position(
            title="Senior Research Fellow",
            company="Halden Policy Institute",
            start="Jan 2016",
            end="Feb 2021",
            description="Wrote briefings on trade and energy policy for private clients.",
        ),
    ],
    education=[
        Education(
            school="Ostvale University",
            degree="Master of Arts - MA, International Relations",
            start="2012",
            end="2014",
        )
    ],
    websites=["northbridge-search.example"],
)


@pytest.fixture(scope="module")
def tallant_pdf() -> bytes:
    return draw_profile(SIDEBAR, MAIN)


def parse(data: bytes, **kwargs: int) -> tuple[Profile, tuple[str, ...]]:
    return parse_profile_pdf(data, "Profile.pdf", **kwargs)


def error_of(data: bytes, **kwargs: int) -> str:
    with pytest.raises(InputError) as info:
        parse(data, **kwargs)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("Profile.pdf: ")
    return message


# -- reading ----------------------------------------------------------------------


def test_a_two_page_export_is_read_whole(tallant_pdf: bytes) -> None:
    assert parse(tallant_pdf) == (TALLANT, ())


def test_a_compressed_export_reads_the_same() -> None:
    assert parse(draw_profile(SIDEBAR, MAIN, compress=True)) == (TALLANT, ())


def test_several_roles_at_one_employer_share_its_name() -> None:
    main = [
        T("Ambrose Quillon", NAME),
        T("Partner | Talent Solutions", 12),
        grey("Lisbon, Portugal"),
        heading("Experience"),
        T("Corriveau Talent Solutions", EMPLOYER),
        grey("4 years 1 month"),
        T("Partner", TITLE),
        grey("Feb 2022 - Present (1 year 10 months)"),
        T("Runs the public-sector practice."),
        T("Associate", TITLE),
        grey("Jan 2020 - Feb 2022 (2 years 2 months)"),
        grey("Porto, Portugal"),
        T("Graduate Analyst", TITLE, before=4),
        grey("Sep 2019 - Dec 2019 (4 months)"),
    ]
    profile, notes = parse(draw_profile([side("Contact")], main))
    assert notes == ()
    assert profile == Profile(
        name="Ambrose Quillon",
        headline="Partner | Talent Solutions",
        company="Corriveau Talent Solutions",
        location="Lisbon, Portugal",
        experience=[
            Position(
                title="Partner",
                company="Corriveau Talent Solutions",
                start="Feb 2022",
                end="Present",
                description="Runs the public-sector practice.",
            ),
            Position(
                title="Associate",
                company="Corriveau Talent Solutions",
                start="Jan 2020",
                end="Feb 2022",
                location="Porto, Portugal",
            ),
            Position(
                title="Graduate Analyst",
                company="Corriveau Talent Solutions",
                start="Sep 2019",
                end="Dec 2019",
            ),
        ],
        education=[],
        websites=[],
    )


def test_a_bare_profile_shows_no_experience_and_no_current_employer() -> None:
    main = [T("Tamsin Orlow", NAME), T("Independent consultant", 12)]
    profile, _ = parse(draw_profile([side("Contact"), T("orlow@example.org")], main))
    assert profile == Profile(
        name="Tamsin Orlow",
        headline="Independent consultant",
        experience=[],
        education=[],
        websites=[],
    )


def test_bold_headings_of_body_size_are_recognised() -> None:
    main = [
        T("Pelle Marchetti", 20),
        T("Analyst", 10.5),
        T("Milan, Italy", 10.5, gray=GRAY),
        T("Experience", 10.5, bold=True),
        T("Fondazione Ardesia", 10.5, bold=True),
        T("Analyst", 10.5, bold=True, gray=0.2),
        grey("2019 - Present"),
        T("Research on regional energy markets and how they are regulated."),
    ]
    profile, _ = parse(draw_profile([T("Contact", 10.5, bold=True)], main))
    assert profile.experience == [
        Position(
            title="Analyst",
            company="Fondazione Ardesia",
            start="2019",
            end="Present",
            description="Research on regional energy markets and how they are regulated.",
        )
    ]
    assert (profile.name, profile.headline, profile.location) == (
        "Pelle Marchetti",
        "Analyst",
        "Milan, Italy",
    )


# -- refusing what cannot be read -------------------------------------------------


ENCRYPTED = "Profile.pdf: the PDF is encrypted; save the profile again without a password"


def test_a_password_protected_pdf_is_refused() -> None:
    assert error_of(draw_profile(SIDEBAR, MAIN, encrypt="pw")) == ENCRYPTED


def test_a_pdf_encrypted_with_an_empty_user_password_is_refused() -> None:
    from reportlab.lib.pdfencrypt import StandardEncryption

    locked = draw_profile(SIDEBAR, MAIN, encrypt=StandardEncryption("", "owner"))
    assert error_of(locked) == ENCRYPTED


@pytest.mark.parametrize("keep", [0.02, 0.5, 0.95])
def test_truncated_bytes_are_refused(tallant_pdf: bytes, keep: float) -> None:
    assert error_of(tallant_pdf[: int(len(tallant_pdf) * keep)]) == (
        "Profile.pdf: the PDF ends too early (cut short?); save the profile again"
    )


def test_random_bytes_are_not_a_pdf() -> None:
    noise = random.Random(7).randbytes(20_000)
    assert error_of(noise) == "Profile.pdf: not a PDF file (no %PDF header)"
    assert error_of(b"%PDF-1.7\n" + noise) == (
        "Profile.pdf: not a readable PDF (PDFSyntaxError: No /Root object! - Is this really "
        "a PDF?); save the profile again"
    )
    assert "not a PDF file" in error_of(b"")


def test_a_text_document_that_is_not_a_profile_is_refused() -> None:
    data = draw_profile([], [T("Quarterly minutes of the allotment committee")])
    assert "does not look like a LinkedIn profile" in error_of(data)


def draw_scan() -> bytes:
    """A page that is only a picture, as a scanner or a screenshot tool makes."""
    from PIL import Image

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=letter)
    c.drawImage(ImageReader(Image.new("L", (60, 80), 200)), 30, 30, 550, 730)
    c.showPage()
    c.save()
    return buf.getvalue()


def test_a_scan_without_text_is_refused() -> None:
    assert "no text layer" in error_of(draw_scan())


def test_thousands_of_pages_are_read_only_up_to_the_limit() -> None:
    data = draw_profile(SIDEBAR[:7], MAIN[:3], extra_pages=1999)
    profile, notes = parse(data, max_pages=30)
    assert notes == ("read the first 30 of 2000 pages of Profile.pdf",)
    # Sections may continue on pages never read: absent ones are unknown, not empty.
    assert profile == Profile(
        name="Corvina Tallant",
        headline="Chief Executive Officer at Northbridge Executive Search",
        location="Geneva Area, Switzerland",
        profile_url="https://www.linkedin.com/in/corvina-tallant-4b7e21",
        websites=["northbridge-search.example"],
    )


# -- limits: crafted files that would take memory or time without them ------------


def raw_pdf(*objects: bytes) -> bytes:
    """A PDF written by hand: object 1 is the catalog; offsets are computed."""
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def stream(data: bytes, attrs: bytes = b"") -> bytes:
    return b"<< /Length %d %s >>\nstream\n%s\nendstream" % (len(data), attrs, data)


def one_page(content: bytes, attrs: bytes = b"", resources: bytes = b"") -> list[bytes]:
    """Catalog, page tree, one page (objects 1-4) and a Helvetica font (object 5)."""
    return [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> %s >> >>" % resources,
        stream(content, attrs),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]


def test_a_compression_bomb_is_refused_before_it_fills_memory() -> None:
    packer = zlib.compressobj(9)
    megabyte = b" " * (1 << 20)
    bomb = b"".join(packer.compress(megabyte) for _ in range(256)) + packer.flush()
    assert len(bomb) < 300_000  # 256 MB once inflated
    data = raw_pdf(*one_page(bomb, b"/Filter /FlateDecode"))
    assert error_of(data) == (
        "Profile.pdf: refused: its compressed data expands to more than 32 MB"
    )


def test_a_run_length_bomb_is_refused() -> None:
    data = raw_pdf(*one_page(b"\x81 " * 300_000, b"/Filter /RunLengthDecode"))
    assert "expands to more than 32 MB" in error_of(data)


def test_forms_nested_to_multiply_the_work_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    # Each form draws the next ten times: 10**6 copies of one line from a 2 KB file.
    forms = [
        stream(
            b" ".join([b"/X Do"] * 10),
            b"/Subtype /Form /BBox [0 0 612 792] /Resources << /XObject << /X %d 0 R >> >>"
            % (number + 1),
        )
        for number in range(6, 11)
    ]
    forms.append(
        stream(
            b"BT /F1 10 Tf 20 700 Td (Ten chars.) Tj ET",
            b"/Subtype /Form /BBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >>",
        )
    )
    data = raw_pdf(*one_page(b"/X Do", resources=b"/XObject << /X 6 0 R >>"), *forms)
    assert "forms or images more than 5,000 times" in error_of(data)
    monkeypatch.setattr(pdf_words, "MAX_FIGURES", 10**9)
    monkeypatch.setattr(pdf_words, "MAX_CHARS", 2_000)
    assert "draws more than 2,000 characters" in error_of(data)


def test_pages_of_busywork_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf_words, "MAX_TOKENS", 10_000)
    data = raw_pdf(*one_page(b"q Q " * 6_000))
    assert "more than 10,000 drawing instructions" in error_of(data)
    assert "more than 2 MB of page content" in error_of(raw_pdf(*one_page(b"q Q " * 600_000)))


def test_a_limit_reached_after_the_first_page_keeps_the_pages_before_it(
    tallant_pdf: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pdf_words, "MAX_CHARS", 1_000)  # page 1 draws about 900
    profile, notes = parse(tallant_pdf)
    assert notes == (
        "read the first 1 of 2 pages of Profile.pdf "
        "(the rest was not read: it draws more than 1,000 characters)",
    )
    assert profile.name == TALLANT.name
    assert profile.experience == TALLANT.experience[:1]  # type: ignore[index]


@settings(max_examples=50, deadline=None)
@given(data=st.data())
def test_mutated_pdfs_give_a_profile_or_one_input_error(
    tallant_pdf: bytes, data: st.DataObject
) -> None:
    raw = bytearray(tallant_pdf)
    edits = data.draw(
        st.lists(st.tuples(st.integers(0, len(raw) - 1), st.integers(0, 255)), max_size=40)
    )
    for at, value in edits:
        raw[at] = value
    cut = data.draw(st.integers(len(raw) // 3, len(raw)))
    try:
        profile, notes = parse(bytes(raw[:cut]))
    except InputError as exc:
        assert "\n" not in str(exc)
    else:
        assert isinstance(profile, Profile)
        assert all(isinstance(n, str) for n in notes)


# -- the command ------------------------------------------------------------------

TODAY = "2026-11-29"
Run = Callable[..., subprocess.CompletedProcess[bytes]]


@pytest.fixture
def lurewatch(tmp_path: Path) -> Run:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LUREWATCH_")}

    def run(*args: str) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            [sys.executable, "-m", "lurewatch.cli", *args],
            input=b"",
            capture_output=True,
            cwd=tmp_path,
            env=env,
            timeout=120,
            check=False,
        )

    return run


def test_check_reads_a_pdf_profile(lurewatch: Run, tmp_path: Path) -> None:
    main = [
        T("Ione Marwick", NAME),
        T("CEO at Northbridge Executive Search", 12),
        grey("Singapore"),
        heading("Experience"),
        T("Northbridge Executive Search", EMPLOYER),
        T("CEO", TITLE),
        grey("Aug 2025 - Present (4 months)"),
    ]
    data = draw_profile([side("Contact"), T("www.linkedin.com/in/ione-m-77 (LinkedIn)")], main)
    (tmp_path / "Profile.pdf").write_bytes(data)
    result = lurewatch("check", "--profile", "Profile.pdf", "--format", "json", "--today", TODAY)
    assert result.returncode == 0, result.stderr
    assert result.stderr == b""
    out = msgspec.json.decode(result.stdout)
    assert "profile-generic-employer" in {f["id"] for f in out["findings"]}

    profile, notes = parse(data)
    expected = Checker.from_settings(Settings()).check_text(
        None, profile, today=dt.date.fromisoformat(TODAY)
    )
    assert out == msgspec.json.decode(to_json(expected, notes))


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("locked.pdf", "encrypted", "encrypted"),
        ("cut.pdf", "truncated", "ends too early"),
        ("noise.pdf", "noise", "not a PDF file"),
        ("scan", "scan", "no text layer"),
    ],
)
def test_check_refuses_a_broken_pdf_in_one_line(
    lurewatch: Run, tmp_path: Path, tallant_pdf: bytes, name: str, content: str, problem: str
) -> None:
    if content == "encrypted":
        data = draw_profile(SIDEBAR, MAIN, encrypt="pw")
    elif content == "truncated":
        data = tallant_pdf[:300]
    elif content == "noise":
        data = random.Random(3).randbytes(5000)
    else:
        data = draw_scan()
    (tmp_path / name).write_bytes(data)
    result = lurewatch("check", "--profile", name, "--format", "json", "--today", TODAY)
    err = result.stderr.decode()
    assert result.returncode == 2, err
    assert result.stdout == b""
    assert len(err.splitlines()) == 1, err
    assert err.startswith(f"lurewatch: error: {name}: ")
    assert problem in err
