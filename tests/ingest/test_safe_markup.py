"""Hostile HTML reduced to what html.parser can take in linear time."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lurewatch.ingest.html_text import html_to_text
from lurewatch.ingest.safe_markup import simplify_markup

# Only text, "&lt;" and complete, bare tags may reach the parser.
_SAFE = re.compile(r"(?:[^<]|</?[a-z][a-z0-9:_-]*>)*", re.DOTALL)


@pytest.mark.parametrize(
    ("html", "simple"),
    [
        ('<p class="x" onclick="evil()">Hi</p>', "<p>Hi</p>"),
        ("a<!-- hidden -->b", "ab"),
        ("a<!-- never closed <p>b", "a"),
        ("<!DOCTYPE html><?xml x?>text", "text"),
        ("3 < 4 <3 <a<b>", "3 &lt; 4 &lt;3 &lt;a<b>"),
        ("<a", "&lt;a"),
        ("<HEAD><BODY>Shown</BODY>", "Shown"),
        ("<noscript>Shown</noscript>", "Shown"),
        ("<br/><o:p>x</o:p>", "<br><o:p>x</o:p>"),
    ],
)
def test_simplify_markup(html: str, simple: str) -> None:
    assert simplify_markup(html) == simple


@given(st.text(alphabet="<>!-/?ab =\"'&;#\n", max_size=300))
def test_only_complete_bare_tags_reach_the_parser(html: str) -> None:
    assert _SAFE.fullmatch(simplify_markup(html))


@given(st.text(alphabet="<>!-/?ab =\"'&;#\n", max_size=200))
def test_script_content_never_shows(noise: str) -> None:
    html = f"{noise}<p>x</p><script>SECRET_SCRIPT</script><style>SECRET_STYLE</style>"
    text = html_to_text(simplify_markup(html))
    assert "SECRET_SCRIPT" not in text and "SECRET_STYLE" not in text
