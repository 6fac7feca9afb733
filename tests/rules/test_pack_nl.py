"""The Dutch rules (approach-nl.yaml): approaches in Dutch rise, legitimate Dutch mail stays low.

Every text here is synthetic, written for these tests in our own words; names,
organisations, numbers and addresses are made up.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import yaml

from lurewatch.model import Level
from lurewatch.rules.loader import builtin_rules
from lurewatch.service import Checker
from lurewatch.settings import Settings


def family(rule: str) -> str:
    """A rule's family: its name without the language (the engine keeps one per family)."""
    return re.sub(r"-(de|fr|nl)$", "", rule)


TODAY = dt.date(2026, 11, 29)
SCENARIOS = yaml.safe_load(
    (Path(__file__).parents[1] / "data" / "scenarios.yaml").read_text(encoding="utf-8")
)


@pytest.fixture(scope="module")
def checker() -> Checker:
    return Checker.from_settings(Settings())


def _ids(checker: Checker, text: str) -> list[str]:
    return [f.id for f in checker.check_text(text, today=TODAY).findings]


# One sentence per approach-level red flag, in wording no rule example uses.
RED_FLAGS = [
    (
        "Per korte notitie over de coalitieonderhandelingen betalen wij 1.800 euro.",
        "paid-reports-nl",
    ),
    ("Voor elk rapportje van twee pagina's krijg je 750 euro.", "paid-reports-nl"),
    ("Het betreft goed betaalde adviezen over de Europese handelsagenda.", "paid-reports-nl"),
    (
        "Een vooraanstaande opdrachtgever uit de energiesector vroeg mij contact met u op te nemen.",
        "unnamed-client-nl",
    ),
    (
        "Mijn opdrachtgever kan ik helaas niet noemen, maar het is een serieuze partij.",
        "unnamed-client-nl",
    ),
    ("Met uw indrukwekkende staat van dienst bent u precies wie we zoeken.", "flattery-nl"),
    ("Het gaat om een zeldzame kans; slechts enkele experts worden gevraagd.", "scarcity-nl"),
    ("Ik heb per omgaande uw beslissing nodig.", "urgency-nl"),
    ("Zullen we overstappen naar Telegram? Dat praat wat makkelijker.", "offplatform-messenger-nl"),
    ("Voeg mij even toe op WeChat, dan stuur ik je de opdracht.", "offplatform-messenger-nl"),
    (
        "Wat is je privé-mailadres? Dan stuur ik de stukken daarheen.",
        "offplatform-personal-email-nl",
    ),
    ("Geef me je 06-nummer, dan bel ik je vanavond.", "offplatform-phone-nl"),
    ("Wil je een bijgewerkte versie van je cv naar mij mailen?", "cv-request-nl"),
    (
        "Laat me uw woonadres en uw paspoortnummer weten voor de boeking.",
        "personal-details-request-nl",
    ),
    ("Voor het contract heb ik alvast je BSN en je IBAN nodig.", "personal-details-request-nl"),
    ("De retourvlucht en drie hotelovernachtingen zijn voor onze rekening.", "paid-travel-nl"),
    (
        "Onze opdrachtgever wil u graag ontmoeten in het buitenland; alle onkosten worden vergoed.",
        "paid-travel-nl",
    ),
    (
        "We maken je honorarium over in crypto, of contant als je dat prettiger vindt.",
        "payment-method-nl",
    ),
    ("Uitbetaling gebeurt via Western Union of met cadeaukaarten.", "payment-method-nl"),
    (
        "Voor slechts enkele uren per maand verdien je het dubbele van je huidige salaris.",
        "too-good-offer-nl",
    ),
    (
        "Bent u in het bezit van een B-verklaring of een andere veiligheidsmachtiging?",
        "access-interest-nl",
    ),
    ("Wat doet u precies voor de vaste commissie voor Buitenlandse Zaken?", "access-interest-nl"),
    (
        "Onze klant hoort graag hoe er binnen het ministerie over de nieuwe exportregels wordt gedacht.",
        "access-interest-nl",
    ),
    (
        "Zou je me kunnen voorstellen aan een paar collega's van je die over defensie gaan?",
        "colleague-spotting-nl",
    ),
    (
        "Kunt u ons de conceptnotulen van het besloten overleg doorsturen?",
        "non-public-information-nl",
    ),
    ("Kunt u de gerubriceerde bijlage voor ons meenemen?", "non-public-information-nl"),
    (
        "Het zou fijn zijn als je de vergaderstukken van de commissie voor ons kunt bemachtigen.",
        "non-public-information-nl",
    ),
    ("Dit hoeft uw leidinggevende echt niet te weten.", "secrecy-request-nl"),
    (
        "Verwijder onze berichten na elk gesprek, dat is voor ons allebei beter.",
        "secrecy-request-nl",
    ),
    ("We verwachten dat u hier zeer discreet mee omgaat.", "discretion-request-nl"),
    ("Referenties hebben we niet nodig, en een screening slaan we over.", "no-vetting-nl"),
    (
        "Ik las dat uw functie is komen te vervallen na de reorganisatie.",
        "vulnerability-targeting-nl",
    ),
    (
        "Als je krap bij kas zit, is dit een mooie manier om bij te verdienen.",
        "vulnerability-targeting-nl",
    ),
    ("Deze opdracht sluit precies aan bij jouw profiel.", "vague-role-nl"),
]


@pytest.mark.parametrize(
    ("text", "rule"), RED_FLAGS, ids=[f"{r}-{i}" for i, (_, r) in enumerate(RED_FLAGS)]
)
def test_each_red_flag_is_caught_in_dutch(checker: Checker, text: str, rule: str) -> None:
    found = _ids(checker, text)
    assert family(rule) in {family(f) for f in found}, found


def test_red_flag_sentences_are_not_rule_examples() -> None:
    examples = {str(ex.data) for r in builtin_rules() for ex in (*r.positive, *r.negative)}
    assert not examples & {text for text, _ in RED_FLAGS}


def test_every_dutch_rule_is_exercised() -> None:
    dutch = {r.name for r in builtin_rules() if r.name.endswith("-nl") and r.weight > 0}
    assert dutch == {rule for _, rule in RED_FLAGS}


# Whole approaches: money meets access, non-public material or a move off-platform.
APPROACHES = [
    pytest.param(
        "Goedemiddag, uw ervaring in de vaste commissie voor Financiën is werkelijk indrukwekkend. "
        "Een belangrijke opdrachtgever van ons hecht veel waarde aan de visie van experts en "
        "betaalt goed voor korte rapporten over de komende begrotingsbesprekingen. Het is handiger "
        "om verder te praten via WeChat of WhatsApp; mijn nummer staat hieronder.",
        {"flattery-nl", "unnamed-client-nl", "paid-reports-nl", "offplatform-messenger-nl"},
        id="headhunter-paid-reports-wechat",
    ),
    pytest.param(
        "Ons centrum voor internationale ontwikkelingsstudies nodigt een select gezelschap van "
        "experts uit voor ons jaarforum. Vlucht en hotel worden volledig door ons betaald. Daarnaast "
        "zouden wij een notitie tegen een ruime vergoeding op prijs stellen over de interne "
        "discussies in de commissie over de nieuwe handelsregels.",
        {"scarcity-nl", "paid-travel-nl", "paid-reports-nl", "access-interest-nl"},
        id="denktank-paid-trip-committee",
    ),
    pytest.param(
        "Dank voor uw eerste notitie, mijn klant was zeer tevreden. Als volgende stap: kunt u de "
        "conceptversie van de Kamerbrief over exportcontrole met mij delen voordat die naar de "
        "Kamer gaat? We betalen u daarvoor contant bij onze volgende ontmoeting. Houd dit "
        "alstublieft tussen ons.",
        {"non-public-information-nl", "payment-method-nl", "secrecy-request-nl"},
        id="consultant-draft-papers-for-cash",
    ),
    pytest.param(
        "Hallo, wij betalen in contanten of USDT voor advieswerk over beleid. Voeg me toe op "
        "Telegram: +31 6 5555 0101.",
        {"paid-reports-nl", "payment-method-nl", "offplatform-messenger-nl"},
        id="invitation-cash-telegram",
    ),
]


@pytest.mark.parametrize(("text", "expected"), APPROACHES)
def test_dutch_approaches_are_rated_high(checker: Checker, text: str, expected: set[str]) -> None:
    result = checker.check_text(text, today=TODAY)
    ids = {f.id for f in result.findings}
    assert result.level is Level.HIGH, [(f.id, f.weight) for f in result.findings]
    assert {family(e) for e in expected} <= {family(f) for f in ids}, ids
    assert "core-pattern" in ids
    for f in result.findings:
        assert f.evidence, f.id


# Legitimate Dutch mail that parliament, ministry and university staff really receive.
LEGITIMATE = [
    pytest.param(
        "Beste Sam, ik werf voor de functie van senior beleidsadviseur bij het Centraal Planbureau "
        "in Den Haag (vacaturenummer CPB-2231, te vinden op onze vacaturesite). Het salaris is "
        "maximaal 6.100 euro bruto per maand, met hybride werken. Heeft u interesse, stuur mij dan "
        "uw cv en een korte motivatie.",
        id="recruiter-named-vacancy",
    ),
    pytest.param(
        "Hoi Noor, voor onze opdrachtgever, de provincie Utrecht, zoeken we een projectleider "
        "energietransitie (vacature nr. 2026-0417). De volledige vacaturetekst staat op onze "
        "website. Past deze functie bij jou? Laat het me weten, dan plannen we een "
        "kennismakingsgesprek.",
        id="recruiter-je-register",
    ),
    pytest.param(
        "Goedemorgen, voor een van onze opdrachtgevers, een ministerie in Den Haag, zoek ik een "
        "senior communicatieadviseur (vacaturenummer 88412). Meer informatie vindt u in de "
        "vacaturetekst op onze website. Ik ontvang graag uw cv.",
        id="recruiter-client-named-later",
    ),
    pytest.param(
        "Hoi Lotte, ik ben recruiter bij de rijksoverheid en zag je profiel. We zoeken voor het "
        "ministerie van Infrastructuur en Waterstaat een juridisch adviseur. Heb je interesse in "
        "een vrijblijvend kennismakingsgesprek? Dan hoor ik graag wanneer het je schikt.",
        id="recruiter-first-contact",
    ),
    pytest.param(
        "Geachte mevrouw De Vries, de programmacommissie van het Congres Openbaar Bestuur "
        "(Utrecht, 14 en 15 mei) nodigt u uit om te spreken in het panel over digitale "
        "weerbaarheid. Sprekers ontvangen een honorarium van 300 euro; uw treinreis en één "
        "hotelovernachting worden vergoed. Het volledige programma staat op de congreswebsite.",
        id="conference-invitation",
    ),
    pytest.param(
        "Beste spreker, fijn dat u deelneemt aan de conferentie. Voor het boeken van uw vlucht "
        "hebben we uw paspoortnummer en geboortedatum nodig. De vlucht en twee "
        "hotelovernachtingen worden vergoed door de organisatie; het sprekersoverzicht en het "
        "volledige programma staan op de conferentiewebsite.",
        id="conference-travel-booking",
    ),
    pytest.param(
        "Beste heer Jansen, ik ben promovendus aan de Universiteit Leiden en onderzoek hoe "
        "Kamercommissies gebruikmaken van wetenschappelijke kennis. Zou u mee willen werken aan "
        "een interview van 45 minuten? Het onderzoek is goedgekeurd door de ethische commissie, "
        "uw antwoorden worden vertrouwelijk behandeld en ik stuur u graag het informatieformulier "
        "en de toestemmingsverklaring. Als dank ontvangt u een cadeaubon van 20 euro.",
        id="academic-interview",
    ),
    pytest.param(
        "Beste mevrouw Bakker, voor mijn masterscriptie wil ik graag met u spreken over uw rol in "
        "de commissie bij het rondetafelgesprek over stikstof. Mijn begeleider is prof. dr. K. "
        "Smit; het onderzoek heeft ethische goedkeuring van de facultaire commissie.",
        id="student-asks-about-role",
    ),
    pytest.param(
        "Hoi Pim, ik stuur je morgen de stukken voor de procedurevergadering van de vaste "
        "commissie voor Justitie en Veiligheid. Kun jij de conceptagenda nog even nalezen? "
        "Groet, Eva",
        id="colleague-committee-papers",
    ),
    pytest.param(
        "Beste collega's, bijgaand de conceptnota voor de DG over de subsidieregeling. Graag "
        "jullie reactie uiterlijk donderdag, dan kan hij vrijdag naar de minister. Het interne "
        "overleg is verplaatst naar 14.00 uur.",
        id="ministry-colleague-draft",
    ),
    pytest.param(
        "Kun je mij de interne notitie over de uitvoeringstoets sturen? Ik wil hem meenemen in het "
        "overleg met de directie. Dank!",
        id="ministry-colleague-internal-memo",
    ),
    pytest.param(
        "Hoi allemaal, voor snelle afstemming tijdens het wetgevingsoverleg maak ik een "
        "Signal-groep aan. Wie wil, kan zich bij mij melden; ik voeg jullie dan toe.",
        id="colleague-signal-group",
    ),
    pytest.param(
        "Goedemiddag, ik ben verslaggever bij een landelijk dagblad en schrijf over de nieuwe "
        "treinconcessie. Zou u vóór vrijdag beschikbaar zijn voor een korte reactie die ik mag "
        "citeren? Mijn nummer op de redactie staat op onze website.",
        id="press-enquiry",
    ),
    pytest.param(
        "Geachte heer Van Dam, ik schrijf u omdat steeds meer winkels in mijn dorp geen contant "
        "geld meer aannemen. Ik ben 78 en betaal liever contant. Wat doet u eraan om het recht op "
        "contant betalen te beschermen? Met vriendelijke groet, mevrouw T. Hendriks",
        id="citizen-cash",
    ),
    pytest.param(
        "Beste Kamerlid, door de terugvordering van de toeslagen zit ons gezin al jaren in de "
        "schulden. Ik hoop dat u in de commissie aandacht vraagt voor gezinnen zoals het onze. "
        "Mijn dossiernummer kan ik u sturen als dat helpt.",
        id="citizen-debts",
    ),
    pytest.param(
        "Op grond van de Wet open overheid verzoek ik u om openbaarmaking van alle documenten over "
        "de aanbesteding van de nieuwe patrouilleschepen.",
        id="woo-request",
    ),
    pytest.param(
        "Nieuwsbrief Openbaar Bestuur, november. In dit nummer: een kijkje achter de schermen bij "
        "de Tweede Kamer, het debat over de Voorjaarsnota en een unieke kans om u aan te melden "
        "voor onze masterclass. Er is een beperkt aantal plaatsen; aanmelden kan via de "
        "inschrijfpagina.",
        id="newsletter",
    ),
    pytest.param(
        "Het Instituut voor Veiligheidsstudies presenteert zijn nieuwe rapport over "
        "cyberdreigingen. Het rapport is gratis te downloaden van onze website. Op 12 december "
        "bespreken we de bevindingen tijdens een openbare bijeenkomst; het programma staat online.",
        id="think-tank-newsletter",
    ),
    pytest.param(
        "Doe mee aan ons onderzoek naar werkdruk bij de rijksoverheid! Het invullen kost ongeveer "
        "tien minuten en uw antwoorden worden anoniem verwerkt. Onder de deelnemers verloten we "
        "tien cadeaukaarten.",
        id="survey",
    ),
    pytest.param(
        "Beste Anna, namens de redactie van ons tijdschrift voor bestuurskunde vraag ik of u een "
        "essay van 2.000 woorden wilt schrijven voor het themanummer over vertrouwen in de "
        "politiek. Wij betalen auteurs een honorarium van 250 euro per artikel.",
        id="commissioned-essay",
    ),
    pytest.param(
        "Beste medewerker, vanaf 1 december werkt inloggen op uw werklaptop alleen nog met de "
        "nieuwe authenticator-app. Stuur nooit uw wachtwoord door en deel geen inlogcodes met "
        "collega's. Vragen? Bel de servicedesk op 070-1234567.",
        id="it-notice",
    ),
    pytest.param(
        "Beste collega, zoals aangekondigd wordt de afdeling per 1 maart heringericht. "
        "Medewerkers van wie de functie vervalt, krijgen begeleiding van het mobiliteitsbureau. "
        "Uw leidinggevende neemt deze week contact met u op.",
        id="hr-reorganisation",
    ),
    pytest.param(
        "Ter voorbereiding op het werkbezoek van de minister: de vluchten zijn geboekt en het "
        "hotel is geregeld door de ambassade. Het conceptprogramma volgt morgen; graag vandaag "
        "nog je opmerkingen op de gesprekspunten.",
        id="embassy-visit",
    ),
    pytest.param(
        "Geachte leden van de commissie Economische Zaken, graag nodigen wij u uit voor een "
        "werkbezoek aan onze fabriek op 3 februari. De bus vertrekt om 9.00 uur vanaf het "
        "Kamergebouw; de lunch is inbegrepen. Het volledige programma vindt u op onze website.",
        id="working-visit-invitation",
    ),
]


@pytest.mark.parametrize("text", LEGITIMATE)
def test_legitimate_dutch_mail_is_rated_low(checker: Checker, text: str) -> None:
    result = checker.check_text(text, today=TODAY)
    assert result.level is Level.LOW, [(f.id, f.weight) for f in result.findings]


# The English pack's results do not change: scenario texts keep their levels, and no
# Dutch rule fires on any English scenario.
@pytest.mark.parametrize(
    ("index", "level"),
    [(0, Level.HIGH), (3, Level.HIGH), (7, Level.LOW), (8, Level.LOW), (11, Level.MEDIUM)],
)
def test_english_scenarios_keep_their_levels(checker: Checker, index: int, level: Level) -> None:
    case = SCENARIOS[index]
    result = checker.check_text(
        str(case["text"]), today=TODAY, kind=str(case.get("kind", "message"))
    )
    assert result.level is level, [(f.id, f.weight) for f in result.findings]


@pytest.mark.parametrize("case", SCENARIOS, ids=[c["name"] for c in SCENARIOS])
def test_no_dutch_rule_fires_on_english_text(checker: Checker, case: dict[str, object]) -> None:
    result = checker.check_text(
        str(case["text"]), today=TODAY, kind=str(case.get("kind", "message"))
    )
    assert not [f.id for f in result.findings if f.id.endswith("-nl")]
