"""Linking: every reason links what it should, records why, and common values do not link."""

from __future__ import annotations

import random

import pytest
from campaign_data import PARAPHRASE, TEMPLATE, UNRELATED, rec

from lurewatch.campaigns import Campaign, Link, LinkParams, Suppressed, link


def only(records: list) -> Campaign:  # type: ignore[type-arg]
    linking = link(records)
    assert len(linking.campaigns) == 1, linking.campaigns
    return linking.campaigns[0]


def test_same_profile_address_links_across_spellings_of_the_url() -> None:
    c = only(
        [
            rec("a", profile_url="https://uk.linkedin.com/in/Amanda-Q-88/?trk=abc"),
            rec("b", profile_url="linkedin.com/in/amanda-q-88"),
        ]
    )
    assert c.links == (
        Link("a", "b", "profile-url", "same profile address: linkedin.com/in/amanda-q-88"),
    )


def test_same_name_and_agreeing_organisation_is_a_persona_link() -> None:
    c = only(
        [
            rec("a", name="Amanda Qiu", company="BR-YR Executive Search"),
            rec("b", name="Qiu Amanda", company="BP-YR Executive Search Ltd"),
        ]
    )
    assert c.links == (
        Link(
            "a",
            "b",
            "persona",
            "same name «amanda qiu» at «BR-YR Executive Search» / «BP-YR Executive Search Ltd» "
            "(same organisation, one letter apart (a misprint?))",
        ),
    )


def test_several_spellings_of_one_front_link_the_same_persona() -> None:
    c = only(
        [
            rec("a", name="Amanda Qiu", company="Kovarex Talent"),
            rec("b", name="Amanda Qiu", company="Kovarez Talent"),
            rec("c", name="Amanda Qiu", company="Kovarix Talent"),
            rec("d", name="Amanda Qiu", company="Kovaxex Talent"),
        ]
    )
    assert c.members == ("a", "b", "c", "d")
    assert [lk.reason for lk in c.links] == ["persona"] * 3


def test_romanisation_variant_of_the_name_is_the_same_persona() -> None:
    c = only(
        [
            rec("a", name="Amanda Qiu", company="Kovarex Talent"),
            rec("b", name="Amanda Chiu", company="Kovarex Talent Ltd"),
        ]
    )
    assert [lk.reason for lk in c.links] == ["persona"]


def test_same_uncommon_organisation_links_different_names() -> None:
    c = only(
        [
            rec("a", name="Rachel Li", company="Kovarex Talent Ltd"),
            rec("b", name="Lily Wu", company="KOVAREX Talent"),
        ]
    )
    assert c.links == (Link("a", "b", "organisation", "same uncommon organisation «kovarex»"),)


def test_organisations_one_letter_apart_without_the_same_name_do_not_link() -> None:
    linking = link(
        [
            rec("a", name="Rachel Li", company="Kovarex Talent"),
            rec("b", name="Lily Wu", company="Kovarex Talent"),
            rec("c", name="Eva Han", company="Kovarez Talent"),
        ]
    )
    assert [c.members for c in linking.campaigns] == [("a", "b")]


@pytest.mark.parametrize(
    ("text_a", "text_b", "reason", "detail"),
    [
        (
            "Let's continue on WeChat: my ID is amy_br88.",
            "my WeChat ID is Amy_BR88 thanks",
            "handle",
            "same handle: amy_br88",
        ),
        (
            "Telegram @riseconsult please",
            "find me on telegram @RiseConsult",
            "handle",
            "same handle: riseconsult",
        ),
        (
            "WhatsApp me on +852 5555 0101",
            "call 00852-5555-0101 any time",
            "phone",
            "same phone number: +85255550101",
        ),
        (
            "Write to amy.q@bryr-search.com",
            "my address: AMY.Q@bryr-search.com",
            "email",
            "same e-mail address: amy.q@bryr-search.com",
        ),
        (
            "see www.bryr-search.com/about",
            "mail office@bryr-search.com",
            "domain",
            "same domain: bryr-search.com",
        ),
    ],
)
def test_identifiers_written_in_the_text_link(
    text_a: str, text_b: str, reason: str, detail: str
) -> None:
    c = only([rec("a", text=text_a), rec("b", text=text_b)])
    assert c.links == (Link("a", "b", reason, detail),)


def test_identifiers_given_as_fields_link_like_those_in_the_text() -> None:
    c = only([rec("a", handles=("@amy_br88",)), rec("b", text="WeChat: amy_br88")])
    assert c.links == (Link("a", "b", "handle", "same handle: amy_br88"),)


def test_free_mail_and_platform_domains_do_not_link() -> None:
    linking = link(
        [
            rec("a", text="write to first.person@gmail.com", name="A B"),
            rec("b", text="write to other.person@gmail.com", name="C D"),
            rec("c", text="see https://www.linkedin.com/in/somebody"),
            rec("d", text="see https://www.linkedin.com/in/someone-else"),
        ]
    )
    assert linking.campaigns == ()


def test_a_word_after_a_messenger_name_is_not_a_handle() -> None:
    linking = link(
        [
            rec("a", text="happy to talk on WeChat or Signal"),
            rec("b", text="we use WeChat or email"),
        ]
    )
    assert linking.campaigns == ()


def test_common_employer_does_not_link_and_is_reported() -> None:
    records = [
        rec(f"r{i}", name=f"Person{i} Surname{i}", company="Meridian Talent Ltd") for i in range(12)
    ]
    linking = link(records)
    assert linking.campaigns == ()
    assert linking.suppressed == (Suppressed("organisation", "meridian", 12, 12),)


def test_a_front_stays_uncommon_while_its_many_names_are_tied_together() -> None:
    # Twelve fake recruiters at one front share a re-encoded photo: one sender, not twelve.
    # Counting names alone made the front "common" and left the last approach, which only
    # names the front, on its own.
    fakes = [
        rec(f"f{i:02d}", name=f"Persona{i} Name{i}", company="BR-YR Executive Search",
            photo_hash=0xABCDEF0123 ^ (1 << i))
        for i in range(12)
    ]  # fmt: skip
    loner = rec("x", name="Another Name", company="BR-YR Search Ltd")
    linking = link([*fakes, loner])
    assert [c.members for c in linking.campaigns] == [(*(r.id for r in fakes), "x")]
    assert linking.campaigns[0].reasons == {"photo": 11, "organisation": 1}
    assert linking.suppressed == ()


def test_independent_recruiters_still_make_an_employer_common() -> None:
    # Twelve recruiters, each with their own photo; two of them give the same name.
    records = [
        rec(f"r{i:02d}", name=f"Person{min(i, 10)} Surname{min(i, 10)}",
            company="Meridian Talent", photo_hash=random.Random(i).getrandbits(64))
        for i in range(12)
    ]  # fmt: skip
    linking = link(records)
    assert linking.suppressed == (Suppressed("organisation", "meridian", 12, 11),)
    assert linking.campaigns == ()


def test_the_offices_list_of_common_employers_is_respected() -> None:
    records = [
        rec("a", name="Jane Roe", company="Acme Widgets"),
        rec("b", name="John Doe", company="ACME Widgets Ltd"),
    ]
    assert link(records, LinkParams(common_orgs=frozenset({"Acme Widgets Inc."}))).campaigns == ()
    assert len(link(records).campaigns) == 1


@pytest.mark.parametrize("company", ["Self-employed", "Freelance", "Independent Consultant", ""])
def test_non_employers_do_not_link(company: str) -> None:
    assert (
        link(
            [rec("a", name="Jane Roe", company=company), rec("b", name="John Doe", company=company)]
        ).campaigns
        == ()
    )


def test_paraphrased_template_links_and_unrelated_text_does_not() -> None:
    linking = link([rec("a", text=TEMPLATE), rec("b", text=PARAPHRASE), rec("c", text=UNRELATED)])
    assert [c.members for c in linking.campaigns] == [("a", "b")]
    (lk,) = linking.campaigns[0].links
    assert (lk.reason, lk.detail.startswith("near-duplicate messages (about ")) == (
        "template",
        True,
    )


def test_identical_long_text_links_as_the_same_message() -> None:
    c = only([rec("a", text=TEMPLATE), rec("b", text=TEMPLATE.upper())])
    assert c.links == (Link("a", "b", "template", "the same message text"),)


def test_short_generic_messages_do_not_link() -> None:
    note = "Hi, I'd like to add you to my professional network."
    assert link([rec(f"r{i}", text=note) for i in range(5)]).campaigns == ()


def test_boilerplate_phrases_are_left_out_of_templates() -> None:
    # 300 messages made of one stock paragraph and a distinct closing: the stock
    # phrases are common, what is left is too little to be a template.
    stock = UNRELATED
    records = [rec(f"r{i:03d}", text=f"{stock} Regards, Sender{i} Name{i}") for i in range(300)]
    linking = link(records)
    assert linking.campaigns == ()
    assert [s.kind for s in linking.suppressed] == ["template-boilerplate"]


def test_photo_hashes_within_the_distance_link_and_beyond_do_not() -> None:
    base = 0xF0F0_1234_ABCD_0001
    five = base ^ 0b11111  # 5 bits apart: linked
    six = base ^ (0b111111 << 40)  # 6 bits apart from base, 11 from `five`
    linking = link(
        [rec("a", photo_hash=f"{base:016x}"), rec("b", photo_hash=five), rec("c", photo_hash=six)]
    )
    assert [c.members for c in linking.campaigns] == [("a", "b")]
    assert linking.campaigns[0].links == (
        Link("a", "b", "photo", "photo hashes 5 bits apart (of 64)"),
    )


def test_placeholder_photo_shown_by_many_personas_does_not_link() -> None:
    records = [
        rec(f"r{i:03d}", name=f"Given{i} Family{i}", photo_hash="8000000000000000")
        for i in range(101)
    ]
    linking = link(records)
    assert linking.campaigns == ()
    assert linking.suppressed == (Suppressed("photo", "8000000000000000", 101, 101),)


def test_campaigns_are_transitive_and_keep_a_spanning_set_of_links() -> None:
    records = [
        rec("a", profile_url="linkedin.com/in/x1", text="WeChat: spy_one"),
        rec("b", profile_url="linkedin.com/in/x1"),
        rec("c", text="my WeChat ID is spy_one", photo_hash=0xFF),
        rec("d", photo_hash=0xFE),
        rec("e", name="Nobody Related", company="Elsewhere Works"),
    ]
    c = only(records)
    assert c.members == ("a", "b", "c", "d")
    assert c.links == (
        Link("a", "b", "profile-url", "same profile address: linkedin.com/in/x1"),
        Link("a", "c", "handle", "same handle: spy_one"),
        Link("c", "d", "photo", "photo hashes 1 bits apart (of 64)"),
    )
    assert c.id == "campaign:a"


def test_a_group_sharing_one_key_is_chained_not_paired_all_with_all() -> None:
    records = [rec(f"r{i}", profile_url="linkedin.com/in/same") for i in range(50)]
    c = only(records)
    assert len(c.members) == 50
    assert len(c.links) == 49


def test_strongest_reason_is_recorded_when_several_agree() -> None:
    c = only(
        [
            rec("a", profile_url="linkedin.com/in/q", text=TEMPLATE, photo_hash=1),
            rec("b", profile_url="linkedin.com/in/q", text=TEMPLATE, photo_hash=1),
        ]
    )
    assert [lk.reason for lk in c.links] == ["profile-url"]


def test_duplicate_ids_are_refused() -> None:
    with pytest.raises(ValueError, match="record id 'a' appears more than once"):
        link([rec("a"), rec("b"), rec("a")])


def test_signature_of_the_wrong_length_is_refused() -> None:
    with pytest.raises(ValueError, match="signature has 3 values"):
        link([rec("a", signature=(1, 2, 3))])


def test_precomputed_signatures_link_like_texts() -> None:
    from lurewatch.campaigns.templates import signature_of

    p = LinkParams()
    sig = signature_of(TEMPLATE, num_perm=p.num_perm, seed=p.seed, shingle=p.shingle)
    c = only([rec("a", signature=sig), rec("b", text=TEMPLATE)])
    assert [lk.reason for lk in c.links] == ["template"]


def test_same_input_gives_the_same_output() -> None:
    records = [
        rec("z", profile_url="linkedin.com/in/p"),
        rec("y", profile_url="linkedin.com/in/p", text=TEMPLATE),
        rec("x", text=PARAPHRASE, photo_hash=7),
        rec("w", photo_hash=6),
        rec("v", text="WeChat: abc_123"),
        rec("u", text="WeChat: abc_123"),
    ]
    first, second = link(records), link(list(records))
    assert first == second
    assert repr(first) == repr(second)
    assert [c.id for c in first.campaigns] == ["campaign:w", "campaign:u"]
