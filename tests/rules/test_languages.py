"""Rules for one language run only on texts that may be in it; the guess never changes a rating
for a text in that language, and is never a signal."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from lurewatch.model import Approach, Message
from lurewatch.rules.engine import Engine
from lurewatch.rules.languages import LANGUAGES, languages_of
from lurewatch.rules.loader import builtin_rules, load_text
from lurewatch.textnorm import norm_tokens

TODAY = dt.date(2026, 11, 29)
PACK = [r for r in builtin_rules() if r.status != "deprecated"]
GUESSING = Engine(PACK)
EVERYTHING = Engine(PACK, guess_languages=False)
SCENARIOS = yaml.safe_load((Path(__file__).parents[1] / "data" / "scenarios.yaml").read_text())

ENGLISH = (
    "Dear Sam, thank you for your note about the committee hearing. I have attached the "
    "agenda for next week and would be grateful if you could confirm the time with the clerk."
)
GERMAN = (
    "Sehr geehrte Frau Berg, vielen Dank für Ihre Nachricht. Ich würde mich freuen, wenn wir "
    "uns nächste Woche zu einem kurzen Gespräch treffen könnten."
)
FRENCH = (
    "Bonjour Madame, je vous remercie pour votre message. Nous serions ravis de vous "
    "rencontrer la semaine prochaine pour un court entretien sur vos travaux."
)
DUTCH = (
    "Beste mevrouw Berg, hartelijk dank voor uw bericht. Ik zou graag volgende week met u "
    "een kort gesprek hebben over uw werk bij de commissie."
)


def rate(engine: Engine, text: str) -> list[tuple[str, tuple[tuple[int, int], ...]]]:
    findings = engine.evaluate(Approach(messages=(Message(text=text),)), TODAY)
    return [(f.id, tuple((e.start, e.end) for e in f.evidence)) for f in findings]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (ENGLISH, frozenset()),
        (GERMAN, LANGUAGES),  # not clearly English: every language
        (FRENCH, LANGUAGES),
        (DUTCH, LANGUAGES),
        ("Add me on WhatsApp", LANGUAGES),  # too short to tell
        # Clearly English, but quoting a German sentence: German rules run too.
        (ENGLISH + " She wrote: 'Ich habe das nicht gesehen und wir sind noch dabei.'", {"de"}),
    ],
)
def test_languages_guessed(text: str, expected: frozenset[str]) -> None:
    assert languages_of(norm_tokens(text)) == expected


def test_names_do_not_change_the_guess() -> None:
    for name in ("Anna van der Berg", "Jean de la Fontaine", "Ursula von der Leyen", "Li Wei"):
        assert languages_of(norm_tokens(f"{ENGLISH} Best regards, {name}")) == frozenset()


def test_a_rule_for_one_language_skips_clearly_english_text() -> None:
    pack = load_text(
        """
id: 00000000-0000-0000-0000-00000000d001
name: whatsapp-de
title: WhatsApp (German)
status: test
language: de
description: A test rule for German texts.
category: off_platform
weight: 1.5
match:
  terms: [whatsapp]
examples:
  positive: ["Schreib mir auf WhatsApp"]
  negative: ["Schreib mir"]
""",
        "inline.yaml",
    )
    engine = Engine(pack)
    english = ENGLISH + " You can also reach me on WhatsApp."
    german = GERMAN + " Schreiben Sie mir gerne auf WhatsApp."
    assert rate(engine, english) == []
    assert [f for f, _ in rate(engine, german)] == ["whatsapp-de"]
    assert [f for f, _ in rate(engine, "WhatsApp?")] == ["whatsapp-de"]  # short: every language
    assert [f for f, _ in rate(Engine(pack, guess_languages=False), english)] == ["whatsapp-de"]


def _foreign_examples() -> list[str]:
    texts = []
    for rule in PACK:
        if rule.language is not None:
            texts += [e.data for e in (*rule.positive, *rule.negative) if isinstance(e.data, str)]
    return texts


@pytest.mark.parametrize("text", _foreign_examples())
def test_texts_in_other_languages_are_rated_as_with_every_rule(text: str) -> None:
    assert rate(GUESSING, text) == rate(EVERYTHING, text)


@pytest.mark.parametrize("case", SCENARIOS, ids=[c["name"] for c in SCENARIOS])
def test_english_texts_lose_only_rules_of_other_languages(case: dict[str, object]) -> None:
    text = str(case["text"])
    guessed, every = rate(GUESSING, text), rate(EVERYTHING, text)
    assert set(guessed) <= set(every)
    language = {r.name: r.language for r in PACK}
    assert all(language[f] is not None for f, _ in set(every) - set(guessed))


def test_one_finding_per_family_in_the_texts_language() -> None:
    dutch = (
        "Kunt u uw cv naar mij mailen? Dan stuur ik het door naar mijn opdrachtgever en "
        "bespreken we het verder via WeChat of WhatsApp; mijn nummer staat hieronder."
    )
    ids = [f for f, _ in rate(GUESSING, dutch)]
    assert "cv-request-nl" in ids and "offplatform-messenger-nl" in ids
    assert not {"cv-request-de", "offplatform-messenger-de"} & set(ids)
    # Every rule running finds the German versions too: they are the same reasons.
    every = [f for f, _ in rate(EVERYTHING, dutch)]
    assert every == ids
    # A rule for any language is kept over its version in the text's language.
    german = (
        "Können Sie mir Ihren Lebenslauf schicken? Wir können uns auch auf WhatsApp weiter "
        "unterhalten, meine Nummer ist +49 151 2345678."
    )
    phone = [f for f, _ in rate(GUESSING, german) if f.startswith("offplatform-phone")]
    assert phone == ["offplatform-phone"]


def test_main_language() -> None:
    from lurewatch.rules.languages import main_language

    assert main_language(set(norm_tokens(DUTCH))) == "nl"
    assert main_language(set(norm_tokens(GERMAN))) == "de"
    assert main_language(set(norm_tokens(FRENCH))) == "fr"
    assert main_language(set(norm_tokens(ENGLISH))) is None
