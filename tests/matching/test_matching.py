"""Matching contacts against alerted personas under real-world spelling drift."""

from __future__ import annotations

import pytest

from lurewatch.matching import identifiers, names, orgs
from lurewatch.matching.index import POSSIBLE, STRONG, IndicatorIndex, subject_from
from lurewatch.model import Alert, Indicator, Persona

ALERT = Alert(
    id="alert-2025-11",
    title="Recruitment personas",
    personas=(
        Persona(
            id="aq",
            name="Amanda Qiu",
            company="BR-YR Executive Search",
            profile_url="https://www.linkedin.com/in/amanda-qiu-example",
        ),
        Persona(id="ss", name="Shirly Shen", aliases=("Shirley Shen",), company="Internship Union"),
    ),
    indicators=(
        Indicator(type="wechat", value="@Amy_BR88", persona="aq"),
        Indicator(type="phone", value="+852 5555 0101"),
        Indicator(type="email", value="Talent.BRYR@example-mail.com", persona="aq"),
        Indicator(type="domain", value="bryr-search.example"),
        Indicator(
            type="message-template",
            value=(
                "I came across your impressive profile. An important client of ours is looking for "
                "experts to write short paid insight reports on policy developments."
            ),
        ),
        Indicator(type="persona-name", value="Jessica Li", persona=None),
    ),
)


@pytest.fixture(scope="module")
def index() -> IndicatorIndex:
    return IndicatorIndex([ALERT])


@pytest.mark.parametrize(
    "a, b, strength",
    [
        ("Amanda Qiu", "Amanda Qiu", 1.0),
        ("Amanda Qiu", "QIU Amanda", 1.0),
        ("Amanda Qiu", "Amánda  Qiu", 1.0),
        ("Amanda Qiu", "Amanda Chiu", 1.0),  # Wade-Giles
        ("Amanda Qiu", "Amanda Khoo", 1.0),  # Hokkien
        ("Wei Xu", "Wei Hsu", 1.0),
        ("Li Zhang", "Li Cheung", 1.0),  # Cantonese
        ("Ming Zhou", "Ming Chow", 1.0),
        ("Shirly Shen", "Shirley Shen", 0.9),  # typo
        ("Amanda Qiu", "A. Qiu", 0.6),  # initial
        ("Amanda Qiu", "Amanda Shu", 0.6),  # the seed broadcast's slip
        ("Amanda Qiu", "Amanda Li", None),
        ("Amanda Qiu", "Amanda", None),
        ("John Smith", "Jane Smith", None),
    ],
)
def test_name_agreement(a: str, b: str, strength: float | None) -> None:
    got = names.compare(a, b)
    assert (got.strength if got else None) == strength
    assert names.compare(b, a) == got or got is None or names.compare(b, a) is not None


@pytest.mark.parametrize(
    "a, b, agree",
    [
        ("BR-YR Executive Search", "BRYR", True),
        ("BR-YR Executive Search", "BR YR Ltd.", True),
        ("BR-YR Executive Search", "BP-YR", True),  # a misprint some outlets printed
        ("Internship Union", "InternshipUnion", True),
        ("BR-YR Executive Search", "Bright Path Executive Search", False),
        ("House of Commons Library", "House of Lords Library", False),
        ("Acme", "Acne", False),  # too short for a typo
        ("Siemens AG", "Siemens", True),  # a legal form on its own is dropped
        ("Acme Co., Ltd", "ACME", True),
        # ... but one joined to the name is part of it ("SA", "CO", "AG" here)
        ("BR-SA Executive Search", "BRSA Consulting", True),
        ("BR-SA Executive Search", "BR Executive Search", False),
        ("CO-SA Talent", "Apex Talent", False),
        ("AG-SA Research Institute", "Policy Research Institute", False),
    ],
)
def test_organisation_agreement(a: str, b: str, agree: bool) -> None:
    assert (orgs.compare(a, b) is not None) is agree


def test_identifier_normalisation() -> None:
    assert (
        identifiers.phone("+852 5555 0101")
        == identifiers.phone("00852-5555-0101")
        == "+85255550101"
    )
    assert identifiers.handle("@Amy_BR88") == "amy_br88"
    assert identifiers.email("<Talent.BRYR@Example-Mail.com>") == "talent.bryr@example-mail.com"
    assert identifiers.domain("https://www.BRYR-search.example/about") == "bryr-search.example"
    found = identifiers.found_in_text(
        "Write to talent.bryr@example-mail.com or WeChat amy_br88, tel +852 5555 0101, "
        "see https://uk.linkedin.com/in/Amanda-Qiu-Example/?trk=1"
    )
    assert "talent.bryr@example-mail.com" in found["email"]
    assert "+85255550101" in found["phone"]
    assert "amy_br88" in found["handle"]
    assert "linkedin.com/in/amanda-qiu-example" in found["url"]
    # A handle that ends a sentence is the handle, not the handle and a full stop.
    assert identifiers.found_in_text("Add me on WeChat, my ID is amy_br88.")["handle"] >= {
        "amy_br88"
    }
    assert "amy_br88." not in identifiers.found_in_text("My ID is amy_br88.")["handle"]


def _levels(index: IndicatorIndex, **kw: object) -> dict[str, str]:
    subject = subject_from(**kw)  # type: ignore[arg-type]
    return {
        (m.target.persona.id if m.target.persona else "alert"): m.level
        for m in index.match(subject)
    }


def test_name_and_organisation_together_are_strong(index: IndicatorIndex) -> None:
    assert _levels(index, name="Qiu Amanda", headline="CEO at BP-YR") == {"aq": STRONG}
    assert _levels(index, name="Amanda Shu", company="BR YR Ltd") == {"aq": STRONG}
    assert _levels(index, name="Shirley Shen", headline="Co-founder @ InternshipUnion") == {
        "ss": STRONG
    }


def test_a_name_or_an_organisation_alone_is_only_possible(index: IndicatorIndex) -> None:
    assert _levels(index, name="Amanda Chiu") == {"aq": POSSIBLE}
    assert _levels(index, name="Wei Zhang", company="BRYR") == {"aq": POSSIBLE}
    assert _levels(index, name="Jessica Li") == {"alert": POSSIBLE}
    # A sound-alike surname with nothing else agreeing is not reported at all.
    assert _levels(index, name="Amanda Shu") == {}


def test_identifiers_are_strong_on_their_own(index: IndicatorIndex) -> None:
    assert _levels(index, profile_url="https://uk.linkedin.com/in/Amanda-Qiu-Example/?trk=x") == {
        "aq": STRONG
    }
    assert _levels(index, texts=["add me on WeChat: AMY_BR88 thanks"]) == {"aq": STRONG}
    assert _levels(index, texts=["call me on 00852 5555 0101"]) == {"alert": STRONG}
    assert _levels(index, texts=["mail talent.bryr@example-mail.com"]) == {"aq": STRONG}
    assert _levels(index, websites=["https://bryr-search.example/"]) == {"alert": STRONG}


def test_templates_match_reworded_copies(index: IndicatorIndex) -> None:
    copy = (
        "Hello! I came across your impressive profile. An important client of ours is looking "
        "for experts to write short paid insight reports on policy developments. Regards"
    )
    assert _levels(index, texts=[copy]) == {"alert": POSSIBLE}
    assert (
        _levels(index, texts=["Are we still on for lunch on Friday? I will bring the reports."])
        == {}
    )


def test_each_match_says_what_agreed(index: IndicatorIndex) -> None:
    (m,) = index.match(subject_from(name="Amanda Shu", company="BP-YR Executive Search"))
    assert [(a.what, a.how) for a in m.agreements] == [
        (
            "organisation",
            "BP-YR Executive Search ~ BR-YR Executive Search: same organisation, one letter apart (a misprint?)",
        ),
        (
            "name",
            "Amanda Shu ~ Amanda Qiu: same given name, surname sounds alike (a transcription slip?)",
        ),
    ]


def test_values_are_data_not_patterns() -> None:
    hostile = Alert(
        id="x",
        title="hostile",
        personas=(Persona(id="p", name="(a+)+$ " * 50, company="(a+)+$" * 200),),
        indicators=(
            Indicator(type="handle", value="(a+)+$"),
            Indicator(type="message-template", value="(a+)+$ " * 500),
        ),
    )
    index = IndicatorIndex([hostile])
    # Were any value compiled as a pattern, this would backtrack for ever.
    matches = index.match(
        subject_from(name="a" * 5000 + "!", company="a" * 5000 + "!", texts=["a" * 20000 + "!"])
    )
    assert matches == []
    # The hostile template is still found, as text.
    assert [m.level for m in index.match(subject_from(texts=["(a+)+$ " * 500]))] == [POSSIBLE]
