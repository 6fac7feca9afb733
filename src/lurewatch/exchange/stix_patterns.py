"""STIX patterns for lurewatch indicators: values in, values out, never compiled.

Writing, a value becomes a string literal with only ``'`` and ``\\`` escaped (all
the grammar allows). Reading, a small tokenizer accepts the subset of the grammar
that lurewatch and most feeds write for single observables, ``=`` comparisons of
strings joined by ``AND``/``OR``; anything else goes to the full ``stix2-patterns``
validator only to tell a broken pattern from one lurewatch does not read.
"""

from __future__ import annotations

import re

from lurewatch.identity import canon_profile_url

MESSENGERS = ("wechat", "whatsapp", "telegram", "signal")


def stix_string(value: str) -> str:
    """A STIX patterning string literal: quote and backslash escaped, nothing else.

    The grammar allows only ``\\'`` and ``\\\\`` inside a literal; every other
    character, newlines included, stands for itself.
    """
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def pattern_for(kind: str, value: str) -> str | None:
    """The STIX pattern of one lurewatch indicator, or None when no observable fits."""
    q = stix_string(value)
    if kind in ("profile-url", "website"):
        if kind == "website" and "://" not in value:
            return f"[domain-name:value = {q}]"
        return f"[url:value = {q}]"
    if kind == "persona-name":
        return f"[user-account:display_name = {q}]"
    if kind == "email":
        return f"[email-addr:value = {q}]"
    if kind == "domain":
        return f"[domain-name:value = {q}]"
    if kind == "phone":
        return f"[user-account:account_type = 'phone' AND user-account:user_id = {q}]"
    if kind in MESSENGERS:
        return f"[user-account:account_type = '{kind}' AND user-account:account_login = {q}]"
    if kind == "handle":
        return f"[user-account:account_login = {q}]"
    if kind == "photo-phash":
        return f"[artifact:hashes.PHASH = {q}]"
    return None  # organization, message-template: carried by an identity or a note


# A subset of the STIX 2.1 pattern grammar: whatever these tokens parse into is valid
# STIX, so only patterns outside the subset need the (slow, ANTLR) full validator.
_TOKEN = re.compile(
    r"\s*(?:(?P<open>\[)|(?P<close>\])|(?P<str>'(?:[^'\\]|\\['\\])*')|(?P<eq>=)"
    r"|(?P<kw>AND|OR)(?![\w-])"
    r"|(?P<path>[A-Za-z_][A-Za-z0-9_-]*:[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*))",
    re.DOTALL | re.ASCII,
)
_ESCAPE = re.compile(r"\\(['\\])")
# Longer patterns outside the subset are skipped unchecked: the full validator takes
# about a second per 300,000 characters.
CHECK_LIMIT = 20_000

Observation = tuple[str, dict[str, str]]  # object type, {property path: value}


def simple_observations(pattern: str) -> list[Observation] | None:
    """The observations of a pattern made only of ``=`` comparisons with strings.

    Accepted: ``[a:p = 'x' AND a:q = 'y'] OR [b:p = 'z']``, and ``OR`` between
    comparison groups inside brackets; every group names one object type. Returns
    None for anything else (other operators, qualifiers, numbers, nesting), which
    the caller reports as unsupported rather than guessing.
    """
    tokens: list[tuple[str, str]] = []
    pos, end = 0, len(pattern.rstrip())
    while pos < end:
        m = _TOKEN.match(pattern, pos)
        if m is None or m.lastgroup is None:
            return None
        tokens.append((m.lastgroup, m.group(m.lastgroup)))
        pos = m.end()
    out: list[Observation] = []
    i = 0

    def take(kind: str) -> str | None:
        nonlocal i
        if i < len(tokens) and tokens[i][0] == kind:
            i += 1
            return tokens[i - 1][1]
        return None

    while True:
        if take("open") is None:
            return None
        while True:  # one AND group
            otype = ""
            props: dict[str, str] = {}
            while True:
                path = take("path")
                if path is None or take("eq") is None:
                    return None
                literal = take("str")
                if literal is None:
                    return None
                obj, _, prop = path.partition(":")
                if (otype and obj != otype) or prop in props:
                    return None
                otype = obj
                props[prop] = _ESCAPE.sub(r"\1", literal[1:-1])
                if i < len(tokens) and tokens[i] == ("kw", "AND"):
                    i += 1
                    continue
                break
            out.append((otype, props))
            if i < len(tokens) and tokens[i] == ("kw", "OR"):
                i += 1
                continue
            break
        if take("close") is None:
            return None
        if i == len(tokens):
            return out
        if tokens[i] != ("kw", "OR"):
            return None
        i += 1


def looks_like_profile(value: str) -> bool:
    canon = canon_profile_url(value) or ""
    return canon.startswith("linkedin.com/")


def classify(observation: Observation) -> tuple[str, str] | None:
    """(lurewatch indicator type, value) for one observation, or None if none fits."""
    otype, props = observation
    keys = set(props)
    if otype == "url" and keys == {"value"}:
        v = props["value"]
        return ("profile-url" if looks_like_profile(v) else "website"), v
    if otype == "domain-name" and keys == {"value"}:
        return "domain", props["value"]
    if otype == "email-addr" and keys == {"value"}:
        return "email", props["value"]
    if otype == "email-message" and len(keys) == 1:
        key = next(iter(keys))
        if key in ("from_ref.value", "sender_ref.value"):
            return "email", props[key]
    if otype == "artifact" and len(keys) == 1:
        key = next(iter(keys))
        if key.casefold() == "hashes.phash":
            return "photo-phash", props[key]
    if otype == "user-account":
        account_type = props.get("account_type", "").casefold()
        ids = keys - {"account_type"}
        if keys == {"display_name"}:
            return "persona-name", props["display_name"]
        if len(ids) != 1 or not ids <= {"user_id", "account_login"}:
            return None
        v = props[next(iter(ids))]
        if account_type == "phone":
            return "phone", v
        if account_type in MESSENGERS:
            return account_type, v
        if looks_like_profile(v):
            return "profile-url", v
        return "handle", v
    return None


def check_pattern(pattern: str) -> str | None:
    """The first syntax error stix2-patterns finds in a STIX pattern, or None."""
    from stix2patterns.validator import run_validator

    try:
        errors = run_validator(pattern, stix_version="2.1")
    except Exception as exc:  # a third-party parser on hostile input: never let it escape
        return f"cannot be parsed ({type(exc).__name__})"
    return errors[0] if errors else None
