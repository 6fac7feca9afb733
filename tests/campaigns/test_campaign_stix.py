"""STIX export of a campaign: valid STIX 2.1, TLP-marked, sightings as counts only."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
import stix2
from campaign_data import DAY, TEMPLATE, rec

from lurewatch.campaigns import ApproachRecord, Campaign, Linking, link
from lurewatch.campaigns.indicators import campaign_to_alert
from lurewatch.campaigns.stix import campaign_to_stix
from lurewatch.exchange.stix import TLP2_MARKING_IDS, alert_from_stix

NOW = dt.datetime(2026, 4, 1, 12, 0, tzinfo=dt.UTC)
TEXT = TEMPLATE + " My WeChat ID is amy_br88."


def records() -> list[ApproachRecord]:
    return [
        rec("a", target="staff-alice", when=dt.datetime(2026, 3, 2, 9, 30), name="Amanda Qiu",
            company="BR-YR Executive Search", profile_url="linkedin.com/in/amanda-q-88",
            text=TEXT, photo_hash="f0f0f0f0f0f0f0f0"),
        rec("b", target="staff-bob", when=dt.datetime(2026, 3, 4, 16, 0), name="Amanda Shu",
            company="BR-YR Executive Search", profile_url="linkedin.com/in/amanda-q-88",
            text=TEXT, photo_hash="f0f0f0f0f0f0f0f1"),
        rec("c", target="staff-alice", when=dt.datetime(2026, 3, 9, 8, 15), name="Jor'dan Wei",
            company="Blue Ridge Partners", text="Hello, add me on WeChat: amy_br88 for a paid job"),
    ]  # fmt: skip


def the_campaign(recs: list[ApproachRecord]) -> tuple[Campaign, Linking]:
    linking = link(recs)
    (c,) = linking.campaigns
    return c, linking


def export(tlp: str = "TLP:AMBER+STRICT") -> tuple[str, dict[str, Any]]:
    recs = records()
    c, linking = the_campaign(recs)
    text = campaign_to_stix(
        c, recs, linking, tlp=tlp, now=NOW, institution="Parliamentary Security"
    )
    return text, json.loads(text)


def of_type(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [o for o in bundle["objects"] if o["type"] == kind]


def test_bundle_is_valid_stix_without_custom_content() -> None:
    text, _ = export()
    parsed = stix2.parse(text, allow_custom=False)
    assert parsed.type == "bundle"


def test_every_object_carries_a_tlp_2_marking() -> None:
    _, bundle = export()
    ids = set(TLP2_MARKING_IDS.values())
    strict = TLP2_MARKING_IDS["TLP:AMBER+STRICT"]
    for obj in bundle["objects"]:
        if obj["type"] == "marking-definition":
            assert obj["id"] in ids
            continue
        refs = obj.get("object_marking_refs", [])
        assert len(refs) == 1 and refs[0] in ids, obj["id"]
        # Only the producer and the extension definition (lurewatch's own) are CLEAR.
        if obj["type"] != "extension-definition" and obj.get("name") != "lurewatch":
            assert refs == [strict], obj["id"]


def test_campaign_with_first_and_last_approach() -> None:
    _, bundle = export()
    (campaign,) = of_type(bundle, "campaign")
    assert campaign["name"] == "Campaign a"
    assert campaign["first_seen"] == "2026-03-02T09:30:00Z"
    assert campaign["last_seen"] == "2026-03-09T08:15:00Z"
    (actor,) = of_type(bundle, "threat-actor")
    rels = {
        (r["source_ref"], r["relationship_type"], r["target_ref"])
        for r in of_type(bundle, "relationship")
    }
    assert (campaign["id"], "attributed-to", actor["id"]) in rels


def test_personas_are_identities_and_artefacts_indicate_the_campaign() -> None:
    _, bundle = export()
    (campaign,) = of_type(bundle, "campaign")
    people = sorted(
        o["name"] for o in of_type(bundle, "identity") if o["identity_class"] == "individual"
    )
    assert people == ["Amanda Qiu", "Jor'dan Wei"]
    patterns = sorted(o["pattern"] for o in of_type(bundle, "indicator"))
    assert patterns == [
        "[artifact:hashes.PHASH = 'f0f0f0f0f0f0f0f0']",
        "[artifact:hashes.PHASH = 'f0f0f0f0f0f0f0f1']",
        "[user-account:account_type = 'linkedin' AND user-account:user_id = 'Jor\\'dan Wei']",
        "[user-account:account_type = 'linkedin' AND user-account:user_id = 'linkedin.com/in/amanda-q-88']",
        "[user-account:account_type = 'wechat' AND user-account:account_login = 'amy_br88']",
    ]
    indicates = {
        r["source_ref"]
        for r in of_type(bundle, "relationship")
        if r["relationship_type"] == "indicates" and r["target_ref"] == campaign["id"]
    }
    assert indicates == {o["id"] for o in of_type(bundle, "indicator")}
    (note,) = of_type(bundle, "note")
    assert note["content"] == " ".join(TEXT.split())
    assert campaign["id"] in note["object_refs"]


def test_sightings_are_counts_by_the_institution_never_staff() -> None:
    text, bundle = export()
    (campaign,) = of_type(bundle, "campaign")
    where = {o["id"]: o["name"] for o in of_type(bundle, "identity")}
    sightings = of_type(bundle, "sighting")
    of_campaign = [s for s in sightings if s["sighting_of_ref"] == campaign["id"]]
    assert len(of_campaign) == 1
    s = of_campaign[0]
    assert (s["count"], s["first_seen"], s["last_seen"]) == (
        3, "2026-03-02T09:30:00Z", "2026-03-09T08:15:00Z"
    )  # fmt: skip
    assert s["description"] == "3 approaches reported by 2 members of staff."
    assert [where[w] for w in s["where_sighted_refs"]] == ["Parliamentary Security"]
    per_persona = sorted(x["count"] for x in sightings if x is not s)
    assert per_persona == [1, 2]
    assert all(
        where[w] == "Parliamentary Security" for x in sightings for w in x["where_sighted_refs"]
    )
    (report,) = of_type(bundle, "report")
    assert s["id"] in report["object_refs"]
    for secret in ("staff-alice", "staff-bob"):
        assert secret not in text


def test_output_is_deterministic_and_reads_back_as_the_alert() -> None:
    text, _ = export()
    assert export()[0] == text
    recs = records()
    c, linking = the_campaign(recs)
    alert = campaign_to_alert(
        c,
        recs,
        linking,
        title="Campaign a",
        tlp="TLP:AMBER+STRICT",
        source="Parliamentary Security",
    )
    back = alert_from_stix(text.encode(), "campaign.json")
    assert back.tlp == "TLP:AMBER+STRICT"
    assert [(p.id, p.name, p.aliases, p.company) for p in back.personas] == [
        (p.id, p.name, p.aliases, p.company) for p in alert.personas
    ]
    assert sorted((i.type, i.value) for i in back.indicators) == sorted(
        (i.type, i.value) for i in alert.indicators
    )


def test_bad_arguments_are_refused() -> None:
    recs = records()
    c, linking = the_campaign(recs)
    with pytest.raises(ValueError, match="timezone-aware"):
        campaign_to_stix(c, recs, linking, tlp="TLP:RED", now=dt.datetime(2026, 4, 1),
                         institution="x")  # fmt: skip
    with pytest.raises(ValueError, match="unknown TLP label"):
        campaign_to_stix(c, recs, linking, tlp="TLP:PURPLE", now=NOW, institution="x")
    with pytest.raises(ValueError, match="institution"):
        campaign_to_stix(c, recs, linking, tlp="TLP:RED", now=NOW, institution=" ")


def test_a_campaign_without_named_personas_still_has_its_sighting() -> None:
    recs = [
        rec("a", target="t1", text=TEMPLATE + " WeChat: amy_br88"),
        rec("b", target="t2", when=DAY + dt.timedelta(days=1), text=TEMPLATE + " WeChat: amy_br88"),
    ]
    c, linking = the_campaign(recs)
    text = campaign_to_stix(c, recs, linking, tlp="TLP:GREEN", now=NOW, institution="Office")
    bundle = json.loads(stix2.parse(text, allow_custom=False).serialize())
    (campaign,) = of_type(bundle, "campaign")
    (sighting,) = of_type(bundle, "sighting")
    assert sighting["sighting_of_ref"] == campaign["id"]
    assert sighting["count"] == 2
