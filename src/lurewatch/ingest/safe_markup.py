"""Hostile HTML made safe to hand to :mod:`html.parser`, in linear time.

CPython's ``HTMLParser`` before 3.13.4 takes quadratic time on unterminated
constructs (CVE-2025-6069): 400 KB of ``<a<a<a…`` keeps it busy for minutes.
:func:`simplify_markup` rewrites the sender's markup in one pass so that the
parser only ever meets complete, attribute-free tags and plain text:

* comments, declarations (``<!DOCTYPE …>``, ``<![CDATA[…>``) and processing
  instructions are dropped; an unterminated comment hides the rest, as it does
  in a browser;
* every tag is reduced to its bare name (text never needs attributes);
* a ``<`` that does not open a complete tag becomes ``&lt;``;
* ``html``, ``head``, ``body`` and ``noscript`` tags are dropped, keeping their
  content: a browser ends ``head`` at the first visible text, so an unclosed
  ``<head>`` must not hide the message, and a mail client, which runs no
  scripts, shows what ``noscript`` holds.
"""

from __future__ import annotations

import re

_TAG_NAME = re.compile(r"/?([A-Za-z][A-Za-z0-9:_-]*)")
_DROP = frozenset({"html", "head", "body", "noscript"})


def simplify_markup(html: str) -> str:
    """``html`` reduced to text, bare tags and ``&lt;``."""
    out: list[str] = []
    n = len(html)
    i = 0
    # The first '>' after the current '<'. Positions only grow, so a '>' once
    # found is reused until passed, and once none is left none is searched for.
    gt = -2
    while i < n:
        lt = html.find("<", i)
        if lt < 0:
            out.append(html[i:])
            break
        out.append(html[i:lt])
        if html.startswith("<!--", lt):
            end = html.find("-->", lt + 4)
            if end < 0:
                break
            i = end + 3
            continue
        if gt != -1 and gt <= lt:
            gt = html.find(">", lt + 1)
        nxt = html.find("<", lt + 1)
        if gt < 0 or 0 <= nxt < gt:
            out.append("&lt;")
            i = lt + 1
            continue
        body = html[lt + 1 : gt]
        name = _TAG_NAME.match(body)
        if name:
            tag = name.group(1).lower()
            if tag not in _DROP:
                out.append(f"<{'/' if body.startswith('/') else ''}{tag}>")
        elif not body.startswith(("!", "?", "/")):
            out.append("&lt;")  # '< b' or '<3' is text to a browser
            i = lt + 1
            continue
        i = gt + 1
    return "".join(out)
