"""From campaign to alert: shared artefacts become indicators that catch the next approach."""

from __future__ import annotations

import datetime as dt

import pytest
from campaign_data import DAY, PARAPHRASE, TEMPLATE, rec

from lurewatch.campaigns import ApproachRecord, Campaign, Linking, LinkParams, link
from lurewatch.campaigns.indicators import campaign_to_alert
from lurewatch.detectors.indicators import IndicatorDetector
from lurewatch.exchange.alertfile import alert_from_json, alert_to_json
from lurewatch.matching.index import POSSIBLE, STRONG, IndicatorIndex, subject_from
from lurewatch.model import Alert, Approach, Indicator, Message, Persona

TEXT = TEMPLATE + " My WeChat ID is amy_br88."


def records() -> list[ApproachRecord]:
    return [
        rec("a", target="t1", name="Amanda Qiu", company="BR-YR Executive Search",
            profile_url="linkedin.com/in/amanda-q-88", text=TEXT, photo_hash="f0f0f0f0f0f0f0f0",
            domains=("one-off-site.com",)),
        rec("b", target="t2", when=DAY + dt.timedelta(days=2), name="Amanda Shu",
            company="BR-YR Executive Search", profile_url="https://www.linkedin.com/in/amanda-q-88/",
            text=TEXT, photo_hash="f0f0f0f0f0f0f0f1", phones=("+852 5555 0101",)),
        rec("c", target="t1", when=DAY + dt.timedelta(days=5), name="Jordan Wei",
            company="Blue Ridge Partners", emails=("jw@gmail.com",),
            text="Hello, add me on WeChat: amy_br88 for a paid opportunity"),
        rec("d", target="t3", when=DAY + dt.timedelta(days=6), name="Carl Berg",
            company="Nordic Insight Group", emails=("carl@gmail.com",), text=PARAPHRASE),
    ]  # fmt: skip


def the_campaign(recs: list[ApproachRecord]) -> tuple[Campaign, Linking]:
    linking = link(recs)
    assert len(linking.campaigns) == 1
    return linking.campaigns[0], linking


def alert_of(recs: list[ApproachRecord]) -> Alert:
    c, linking = the_campaign(recs)
    return campaign_to_alert(
        c, recs, linking, title="BR-YR operation", tlp="TLP:AMBER", source="Security office"
    )


def test_personas_and_shared_artefacts_become_the_alert() -> None:
    alert = alert_of(records())
    assert alert.id == "campaign:a"
    assert alert.description == (
        "4 approaches to 3 members of staff by 3 personas, from 2026-03-02 to 2026-03-08, "
        "linked by lurewatch (handle (1), profile-url (1), template (1)). "
        "Shared artefacts: template (1), photo (1), handle (1), organisation (1)."
    )
    assert alert.personas == (
        Persona(id="persona-1", name="Amanda Qiu", aliases=("Amanda Shu",),
                company="BR-YR Executive Search", profile_url="linkedin.com/in/amanda-q-88"),
        Persona(id="persona-2", name="Jordan Wei", company="Blue Ridge Partners"),
        Persona(id="persona-3", name="Carl Berg", company="Nordic Insight Group"),
    )  # fmt: skip
    common = {"tlp": "TLP:AMBER", "source": "Security office"}
    first, last = DAY, DAY + dt.timedelta(days=2)
    one = "Shared by 2 approaches from 1 persona of this campaign."
    assert alert.indicators == (
        Indicator(type="message-template", value=" ".join(TEXT.split()), persona=None,
                  confidence=80, first_seen=first, last_seen=DAY + dt.timedelta(days=6),
                  comment="Shared by 3 approaches from 2 personas of this campaign.", **common),
        Indicator(type="photo-phash", value="f0f0f0f0f0f0f0f0", persona="persona-1",
                  confidence=60, first_seen=first, last_seen=last, comment=one, **common),
        Indicator(type="photo-phash", value="f0f0f0f0f0f0f0f1", persona="persona-1",
                  confidence=60, first_seen=first, last_seen=last, comment=one, **common),
        Indicator(type="wechat", value="amy_br88", persona=None, confidence=80,
                  first_seen=first, last_seen=DAY + dt.timedelta(days=5),
                  comment="Shared by 3 approaches from 2 personas of this campaign.", **common),
    )  # fmt: skip


def test_one_off_values_and_free_mail_are_not_promoted() -> None:
    values = {i.value for i in alert_of(records()).indicators}
    # A domain and a phone number in one approach only; gmail.com in two approaches.
    assert not values & {"one-off-site.com", "+85255550101", "gmail.com"}
    assert not any("@gmail.com" in v for v in values)


def test_artefacts_hidden_behind_a_stronger_link_are_still_promoted() -> None:
    # One persona (same profile address) sends the same template twice: the spanning link is
    # the profile address, yet the template is what catches the next persona.
    recs = [
        rec("a", target="t1", name="Amy Lin", profile_url="linkedin.com/in/amy-l", text=TEMPLATE),
        rec("b", target="t2", name="Amy Lin", profile_url="linkedin.com/in/amy-l", text=TEMPLATE),
    ]
    c, linking = the_campaign(recs)
    assert c.reasons == {"profile-url": 1}
    alert = campaign_to_alert(c, recs, linking, title="t", tlp="TLP:GREEN", source="s")
    assert [(i.type, i.persona) for i in alert.indicators] == [("message-template", "persona-1")]


def test_values_the_linking_suppressed_are_not_promoted() -> None:
    recs = [
        rec("a", target="t1", name="Amy Lin", text=TEMPLATE + " WeChat: amy_br88"),
        rec("b", target="t2", name="Bo Tan", text=TEMPLATE + " WeChat: amy_br88"),
    ]
    linking = link(recs, LinkParams(max_identifier_personas=1))
    (c,) = linking.campaigns
    assert c.reasons == {"template": 1}
    kept = campaign_to_alert(c, recs, None, title="t", tlp="TLP:GREEN", source="s")
    held = campaign_to_alert(c, recs, linking, title="t", tlp="TLP:GREEN", source="s")
    assert "wechat" in {i.type for i in kept.indicators}
    assert "wechat" not in {i.type for i in held.indicators}


def test_front_organisation_of_several_personas_is_an_indicator() -> None:
    recs = [
        rec("a", target="t1", name="Amy Lin", company="Kovarex Talent"),
        rec("b", target="t2", name="Bo Tan", company="Kovarex Talent Ltd"),
    ]
    alert = alert_of(recs)
    assert [(i.type, i.value, i.persona) for i in alert.indicators] == [
        ("organization", "Kovarex Talent", None)
    ]


def test_alert_loads_through_the_projects_own_validation() -> None:
    alert = alert_of(records())
    again = alert_from_json(alert_to_json(alert), "campaign.json")
    assert again == alert


def test_bad_arguments_are_refused() -> None:
    recs = records()
    c, linking = the_campaign(recs)
    with pytest.raises(ValueError, match="unknown TLP label"):
        campaign_to_alert(c, recs, linking, title="t", tlp="AMBER", source="s")
    with pytest.raises(ValueError, match="title"):
        campaign_to_alert(c, recs, linking, title=" ", tlp="TLP:RED", source="s")
    with pytest.raises(ValueError, match="no record for member"):
        campaign_to_alert(c, recs[:2], linking, title="t", tlp="TLP:RED", source="s")


def _new_approach(text: str, sender: str) -> Approach:
    return Approach(messages=(Message(text=text, sender=sender),))


def test_a_new_persona_with_the_same_wechat_handle_is_caught_on_arrival() -> None:
    alert = alert_from_json(alert_to_json(alert_of(records())), "campaign.json")
    text = (
        "Good morning! A think tank I advise would value your views on the budget. "
        "Please add me, my WeChat ID is amy_br88 and we can talk there."
    )
    (match,) = IndicatorIndex([alert]).match(subject_from(name="Grace Holm", texts=[text]))
    assert match.level == STRONG
    assert [(a.what, a.how) for a in match.agreements] == [("handle", "amy_br88 = amy_br88")]
    # And through the detector that rates every approach: enough for a high rating.
    findings = IndicatorDetector([alert]).detect(_new_approach(text, "Grace Holm"), DAY)
    assert [(f.category, f.weight) for f in findings] == [("indicator_match", 5.0)]


def test_a_handle_that_ends_a_sentence_is_caught() -> None:
    alert = alert_of(records())
    subject = subject_from(name="Grace Holm", texts=["Please add me, WeChat ID amy_br88."])
    assert [m.level for m in IndicatorIndex([alert]).match(subject)] == [STRONG]


def test_a_new_persona_reusing_the_template_is_a_possible_match() -> None:
    alert = alert_from_json(alert_to_json(alert_of(records())), "campaign.json")
    text = "Dear Ms Holm, " + TEMPLATE + " Let me know a good time to talk."
    subject = subject_from(name="Helen Park", company="Quiet Harbor Advisory", texts=[text])
    (match,) = IndicatorIndex([alert]).match(subject)
    assert match.level == POSSIBLE
    assert [a.what for a in match.agreements] == ["template"]
    findings = IndicatorDetector([alert]).detect(_new_approach(text, "Helen Park"), DAY)
    assert [(f.category, f.weight) for f in findings] == [("indicator_match", 1.5)]


def test_an_unrelated_approach_is_not_matched() -> None:
    alert = alert_of(records())
    subject = subject_from(
        name="Mark Olsen",
        company="Northern Energy",
        texts=["We are hiring a policy adviser in Leeds. Salary 55k. Call me on Thursday?"],
    )
    assert IndicatorIndex([alert]).match(subject) == []
