"""The German rules (approach-de.yaml): red flags caught, whole approaches rated high,
legitimate German mail rated low, and the English pack's ratings unchanged.

Every text here is synthetic, written for these tests; the names, organisations
and addresses are invented.
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
GERMAN_FILE = "approach-de.yaml"


@pytest.fixture(scope="module")
def checker() -> Checker:
    return Checker.from_settings(Settings())


@pytest.fixture(scope="module")
def checker_without_german() -> Checker:
    rules = [r for r in builtin_rules() if not r.source.endswith(GERMAN_FILE)]
    return Checker(Settings(), rules)


def ids(checker: Checker, text: str) -> list[str]:
    return [f.id for f in checker.check_text(text, today=TODAY).findings]


def test_the_german_file_ships_its_rules() -> None:
    german = [r for r in builtin_rules() if r.source.endswith(GERMAN_FILE)]
    assert len(german) >= 20
    for rule in german:
        assert rule.name.endswith("-de"), rule.name
        assert rule.title.endswith(" (German)"), rule.name
        assert rule.status == "stable", rule.name
        assert len(rule.positive) >= 2, rule.name
        assert len(rule.negative) >= 2, rule.name


def test_each_german_rule_has_the_category_weight_and_tags_of_its_english_counterpart() -> None:
    rules = builtin_rules()
    by_name = {r.name: r for r in rules}
    for rule in rules:
        if not rule.source.endswith(GERMAN_FILE):
            continue
        english = by_name[rule.name.removesuffix("-de")]
        assert (rule.category, rule.weight, rule.tags) == (
            english.category,
            english.weight,
            english.tags,
        ), rule.name


# One fresh sentence per approach-level red flag, in wording no rule example uses,
# and the German rule that must catch it.
RED_FLAGS = [
    ("Unser Mandant vergütet jede kurze Lageeinschätzung mit 1.200 Euro.", "paid-reports-de"),
    ("Für jeden Kurzbericht erhalten Sie 1.200 Euro.", "paid-reports-de"),
    ("Ich vertrete einen namhaften Auftraggeber, der anonym bleiben möchte.", "unnamed-client-de"),
    ("Das Mandat entspricht genau Ihrem Profil.", "vague-role-de"),
    ("Ihr außergewöhnlicher Werdegang hat unser Team sofort überzeugt.", "flattery-de"),
    ("Diese seltene Gelegenheit bieten wir nur wenigen Fachleuten an.", "scarcity-de"),
    ("Ich brauche Ihre Zusage bitte schnellstmöglich, spätestens morgen.", "urgency-de"),
    (
        "Wollen wir das Gespräch auf Telegram fortsetzen? Meine Kennung schicke ich gleich.",
        "offplatform-messenger-de",
    ),
    ("Antworte mir bitte an jens.hartmann.beratung@t-online.de.", "offplatform-personal-email-de"),
    ("Meine private Nummer ist +49 160 98765432, ruf mich gern an.", "offplatform-phone-de"),
    ("Senden Sie mir doch vorab Ihren tabellarischen Lebenslauf.", "cv-request-de"),
    (
        "Für die Buchung bräuchte ich Ihre Passnummer und Ihr Geburtsdatum.",
        "personal-details-request-de",
    ),
    ("Flüge in der Business Class und das Hotel gehen auf unsere Kosten.", "paid-travel-de"),
    ("Die Vergütung erfolgt auf Wunsch in Bitcoin oder per Geschenkkarte.", "payment-method-de"),
    (
        "Für ein paar Stunden pro Woche verdienen Sie das Doppelte Ihres jetzigen Gehalts.",
        "too-good-offer-de",
    ),
    ("Verfügen Sie über eine Sicherheitsüberprüfung nach Ü3?", "access-interest-de"),
    ("Erzählen Sie doch etwas über Ihre Funktion in der Fraktion.", "access-interest-de"),
    ("Wie wird im Kanzleramt intern über das Thema gesprochen?", "access-interest-de"),
    (
        "Hätten Sie Kontaktdaten von Kolleginnen von Ihnen, die im Innenausschuss arbeiten?",
        "colleague-spotting-de",
    ),
    ("Könnten Sie mir eine Kopie der Verschlusssache schicken?", "non-public-information-de"),
    (
        "Vielleicht kannst du die Sitzungsunterlagen besorgen, bevor sie öffentlich werden?",
        "non-public-information-de",
    ),
    ("Ihre Vorgesetzten müssen davon nichts erfahren.", "secrecy-request-de"),
    ("Wir bitten um äußerste Diskretion.", "discretion-request-de"),
    ("Auf ein Vorstellungsgespräch können wir verzichten.", "no-vetting-de"),
    (
        "Seit Sie Ihren Arbeitsplatz verloren haben, ist das sicher eine schwere Zeit.",
        "vulnerability-targeting-de",
    ),
]


@pytest.mark.parametrize(("text", "rule"), RED_FLAGS, ids=[r for _, r in RED_FLAGS])
def test_each_red_flag_is_caught_in_german(checker: Checker, text: str, rule: str) -> None:
    found = ids(checker, text)
    assert family(rule) in {family(f) for f in found}, found


# Whole approaches in German, each with the finding that must complete the core pattern.
APPROACHES = [
    pytest.param(
        "Guten Tag Frau Neumann, Ihr beeindruckender Werdegang im Finanzausschuss ist mir "
        "sofort aufgefallen. Ein wichtiger Kunde von uns, ein internationales Beratungshaus, "
        "sucht erfahrene Fachleute für bezahlte Kurzberichte zur Haushaltspolitik, pro Bericht "
        "2.000 Euro. Die Details würde ich gern auf WhatsApp oder WeChat besprechen, das ist "
        "einfacher. Meine WeChat-ID: br_talent88",
        {"flattery-de", "unnamed-client-de", "paid-reports-de", "offplatform-messenger-de"},
        id="headhunter-paid-reports-wechat",
    ),
    pytest.param(
        "Sehr geehrter Herr Brandt, unser Zentrum für europäische Entwicklungsstudien lädt "
        "einen handverlesenen Kreis von Fachleuten zu unserem Jahresforum ein. Flug und Hotel "
        "werden selbstverständlich von uns übernommen. Während Ihres Aufenthalts würden wir "
        "gern mehr über die internen Diskussionen im Auswärtigen Ausschuss erfahren: Wie ist "
        "dort die Stimmung zu den neuen Exportregeln?",
        {"paid-travel-de", "access-interest-de", "scarcity-de"},
        id="think-tank-trip-committee",
    ),
    pytest.param(
        "Hallo Herr Keller, ich bin unabhängiger Berater und arbeite für einen Klienten aus "
        "der Industrie. Wenn Sie mir die Entwürfe der Ausschussberichte zukommen lassen, bevor "
        "sie veröffentlicht werden, zahlen wir Ihnen pro Entwurf 3.000 Euro in bar. Das bleibt "
        "selbstverständlich unter uns.",
        {"non-public-information-de", "payment-method-de", "secrecy-request-de"},
        id="consultant-drafts-for-cash",
    ),
    pytest.param(
        "Hi Lukas, ich hab dein Profil gesehen und bin echt beeindruckt von deinen Analysen "
        "zur Energiepolitik. Einer meiner Klienten sucht jemanden für ein paar Stunden im "
        "Monat, die Bezahlung ist lukrativ und läuft über PayPal. Was genau machst du "
        "eigentlich im Bundestag? Lass uns auf Telegram weiterschreiben, da bin ich schneller "
        "erreichbar.",
        {"payment-method-de", "access-interest-de", "offplatform-messenger-de"},
        id="informal-du-paypal-telegram",
    ),
]


@pytest.mark.parametrize(("text", "expected"), APPROACHES)
def test_whole_german_approaches_are_rated_high(
    checker: Checker, text: str, expected: set[str]
) -> None:
    result = checker.check_text(text, today=TODAY)
    found = {f.id for f in result.findings}
    assert result.level is Level.HIGH, sorted(found)
    assert {family(e) for e in expected} <= {family(f) for f in found}, sorted(found)
    assert "core-pattern" in found


# Legitimate German mail a parliament, ministry or university employee really gets,
# sharing words with the rules. Every one must stay low.
LEGITIMATE = [
    pytest.param(
        "Guten Tag Herr Schulz, für die Stiftung für Haushalts- und Finanzforschung in Bremen "
        "suche ich eine Referentin oder einen Referenten für Haushaltspolitik (Kennziffer "
        "SHF-2026-114, ausgeschrieben auf unserer Karriereseite). Die Vergütung erfolgt nach "
        "TVöD E13, mobiles Arbeiten ist möglich. Bei Interesse senden Sie mir gern Ihren "
        "Lebenslauf.",
        id="recruiter-named-vacancy-kennziffer",
    ),
    pytest.param(
        "Guten Tag Frau Berger, für die Norddeutsche Netzagentur GmbH in Hannover besetze ich "
        "die Position einer Leiterin Regulierung. Die Stelle ist auf unserer Karriereseite "
        "ausgeschrieben (Kennziffer 2026-0457). Wir bieten eine attraktive Vergütung und "
        "flexible Arbeitszeiten. Passt das zu Ihren Plänen? Ich freue mich auf Ihre Rückmeldung.",
        id="recruiter-attractive-pay",
    ),
    pytest.param(
        "Guten Tag Herr Lorenz, für unseren Mandanten, ein führendes Unternehmen der "
        "Energiewirtschaft, suche ich eine Leitung Public Affairs in Berlin. Absolute "
        "Diskretion ist für uns selbstverständlich. Hätten Sie Zeit für ein kurzes Telefonat?",
        id="executive-search-confidential-client",
    ),
    pytest.param(
        "Sehr geehrte Frau Dr. Yilmaz, der Programmausschuss der Leipziger Tagung für "
        "öffentliche Finanzen (12. und 13. Mai) lädt Sie herzlich ein, auf dem Podium zu "
        "Schuldenregeln zu sprechen. Wir zahlen ein Honorar von 300 Euro und übernehmen Ihre "
        "Bahnfahrt sowie eine Hotelübernachtung. Das vollständige Programm finden Sie auf der "
        "Tagungswebsite.",
        id="conference-speaker-published-programme",
    ),
    pytest.param(
        "Die Jahrestagung findet diesmal in Wien statt. Reise- und Übernachtungskosten werden "
        "nach Vorlage der Belege erstattet. Das Tagungsprogramm ist online, die Anmeldung "
        "läuft bis 15. März.",
        id="conference-abroad-reimbursed",
    ),
    pytest.param(
        "Bitte schicken Sie uns bis 10. Januar einen kurzen Lebenslauf und ein Foto für das "
        "Programmheft. Das Programm der Konferenz wird Ende Januar veröffentlicht.",
        id="conference-speaker-bio",
    ),
    pytest.param(
        "Sehr geehrte Frau Okafor, ich bin Doktorandin an der Universität Göttingen und "
        "untersuche, wie Bundestagsausschüsse wissenschaftliche Evidenz nutzen. Wären Sie zu "
        "einem Interview von etwa 30 Minuten bereit? Die Ethikkommission hat das Projekt "
        "genehmigt; Informationsblatt und Einwilligungserklärung schicke ich Ihnen gern zu. "
        "Ihre Angaben werden selbstverständlich vertraulich behandelt.",
        id="academic-interview-ethics-approval",
    ),
    pytest.param(
        "Die Redaktion des Jahrbuchs für Gesetzgebungsstudien bittet Sie um ein Gutachten zu "
        "dem beigefügten Manuskript. Für die Begutachtung können wir leider kein Honorar zahlen.",
        id="peer-review-request",
    ),
    pytest.param(
        "Hallo Jana, kannst du mir die Ausschussdrucksachen für Mittwoch schicken? Die Obleute "
        "wollen den Berichtsentwurf vorher noch einmal durchgehen. Danke und viele Grüße, Tobias",
        id="colleague-committee-papers",
    ),
    pytest.param(
        "Sehr geehrter Herr Demir, im Auftrag des Ausschussvorsitzenden übersende ich Ihnen die "
        "Tagesordnung und die öffentlichen Ausschussdrucksachen für die Sitzung am Mittwoch. "
        "Bitte bestätigen Sie Ihre Teilnahme bis Montag.",
        id="committee-secretariat",
    ),
    pytest.param(
        "Liebe Kolleginnen und Kollegen, anbei der Entwurf der Leitungsvorlage zur "
        "Mitzeichnung. Bitte um Rückmeldung bis Donnerstag, 12 Uhr. Die Vorlage ist als VS-NfD "
        "eingestuft, bitte nicht außerhalb des Hauses weiterleiten.",
        id="ministry-colleague-vs-nfd-draft",
    ),
    pytest.param(
        "Kannst du mir den Entwurf der Rede für die zweite Lesung schicken? Der Minister will "
        "ihn heute Abend noch lesen.",
        id="ministry-colleague-speech-draft",
    ),
    pytest.param(
        "Danke für die hervorragende Arbeit am Bericht, die Hausleitung war sehr zufrieden. Die "
        "Endfassung geht morgen an den Ausschuss.",
        id="ministry-colleague-thanks",
    ),
    pytest.param(
        "Hallo zusammen, der Bundesrechnungshof kritisiert in seinem Bericht die hohen Ausgaben "
        "des Ministeriums für externe Berater. Die Presse fragt nach, wie viel die "
        "Beraterverträge gekostet haben. Bitte liefert mir bis morgen früh die Zahlen.",
        id="ministry-press-office-deadline",
    ),
    pytest.param(
        "Guten Tag, ich bin Redakteur beim Nordkurier und schreibe über die geplante Reform der "
        "Schuldenbremse. Wären Sie bis Freitag für ein kurzes Statement zu erreichen? Meine "
        "Durchwahl finden Sie auf unserer Website.",
        id="press-enquiry",
    ),
    pytest.param(
        "Hallo Frau Wagner, wie ist die Stimmung in der Fraktion nach der Abstimmung über den "
        "Haushalt? Ich würde gern kurz mit Ihnen telefonieren, gern auch unter drei.",
        id="press-mood-in-group",
    ),
    pytest.param(
        "Sehr geehrte Frau Abgeordnete, als Bürgerin aus Ihrem Wahlkreis mache ich mir Sorgen "
        "um die Zukunft des Bargelds. Viele ältere Menschen wollen weiter bar bezahlen. Bitte "
        "setzen Sie sich dafür ein. Mit freundlichen Grüßen, Helga Sommer, "
        "helga.sommer@web.de",
        id="constituent-cash",
    ),
    pytest.param(
        "Sehr geehrte Frau Abgeordnete, viele Familien in meinem Wahlkreis haben finanzielle "
        "Schwierigkeiten, und die Kommunen können ihre Schulden kaum noch tragen. Was tut die "
        "Bundesregierung dagegen?",
        id="constituent-debts",
    ),
    pytest.param(
        "Newsletter der Arbeitsgruppe Digitales: Unsere nächste öffentliche Anhörung findet am "
        "3. Dezember statt. Folgen Sie uns auch auf WhatsApp und Telegram, dort erhalten Sie "
        "alle Neuigkeiten schneller. Abmelden können Sie sich jederzeit über den Link unten.",
        id="newsletter-messenger-channels",
    ),
    pytest.param(
        "Die Stiftung lädt zu einem Hintergrundgespräch mit der Staatssekretärin über die "
        "Zukunft der Entwicklungszusammenarbeit ein. Es gilt die Chatham-House-Regel. Programm "
        "und Anmeldung finden Sie auf unserer Veranstaltungsseite.",
        id="foundation-background-talk",
    ),
    pytest.param(
        "Liebe Kolleginnen und Kollegen, bitte leiten Sie die Einladung zu unserer öffentlichen "
        "Ringvorlesung auch an Ihre Mitarbeiterinnen und Mitarbeiter weiter. Der Eintritt ist "
        "frei.",
        id="university-lecture-forward",
    ),
    pytest.param(
        "Für Ihren Besuch im Bundestag am 14. Januar benötigen wir von allen Teilnehmenden "
        "Name, Vorname und Geburtsdatum. Bitte bringen Sie am Besuchstag Ihren Personalausweis "
        "mit.",
        id="visitor-service-registration",
    ),
    pytest.param(
        "Für die Erstattung Ihrer Reisekosten benötigen wir noch Ihre Bankverbindung (IBAN). "
        "Das Formular finden Sie im Anhang, bitte senden Sie es unterschrieben zurück.",
        id="travel-reimbursement-bank-details",
    ),
    pytest.param(
        "Ihre Sicherheitsüberprüfung (Ü2) ist abgeschlossen. Bitte melden Sie sich zur "
        "Belehrung beim Geheimschutzbeauftragten des Hauses.",
        id="hr-clearance-completed",
    ),
    pytest.param(
        "Achtung Phishing: Leiten Sie dienstliche E-Mails niemals an private E-Mail-Adressen "
        "weiter und antworten Sie nicht auf verdächtige Nachrichten. Melden Sie solche Mails "
        "dem IT-Sicherheitsteam.",
        id="it-security-notice",
    ),
    pytest.param(
        "Die Delegationsreise nach Brüssel ist genehmigt; Flug und Hotel bucht die Reisestelle. "
        "Bitte reichen Sie Ihre Unterlagen bis Freitag ein.",
        id="delegation-trip",
    ),
    pytest.param(
        "Namens und in Vollmacht unserer Mandantin beantragen wir nach dem "
        "Informationsfreiheitsgesetz Einsicht in die Akten zum Vergabeverfahren. Eine Vollmacht "
        "liegt bei.",
        id="lawyer-foi-request",
    ),
    pytest.param(
        "Die Abgeordnete sprach im Interview über ihre Rolle im Verteidigungsausschuss und ihre "
        "beeindruckende Karriere bei der Bundeswehr.",
        id="press-review-third-person",
    ),
]


@pytest.mark.parametrize("text", LEGITIMATE)
def test_legitimate_german_mail_is_rated_low(checker: Checker, text: str) -> None:
    result = checker.check_text(text, today=TODAY)
    assert result.level is Level.LOW, [(f.id, f.weight) for f in result.findings]


def test_there_are_enough_legitimate_german_messages() -> None:
    assert len(LEGITIMATE) >= 20


# The English pack's results do not change.
ENGLISH_LEVELS = {
    "headhunter with paid reports and a move to WeChat": Level.HIGH,
    "recruiter with a public job reference": Level.LOW,
    "unnamed client offering paid consultancy, nothing else yet": Level.MEDIUM,
    "flattery and scarcity without money or asks": Level.LOW,
}


@pytest.mark.parametrize(("name", "level"), ENGLISH_LEVELS.items())
def test_english_scenarios_keep_their_level(checker: Checker, name: str, level: Level) -> None:
    case = next(c for c in SCENARIOS if c["name"] == name)
    result = checker.check_text(case["text"], today=TODAY, kind=case.get("kind", "message"))
    assert result.level is level, [(f.id, f.weight) for f in result.findings]


@pytest.mark.parametrize("case", SCENARIOS, ids=[c["name"] for c in SCENARIOS])
def test_german_rules_change_no_english_rating(
    checker: Checker, checker_without_german: Checker, case: dict[str, str]
) -> None:
    kind = case.get("kind", "message")
    with_de = checker.check_text(case["text"], today=TODAY, kind=kind)
    without = checker_without_german.check_text(case["text"], today=TODAY, kind=kind)
    assert not [f.id for f in with_de.findings if f.id.endswith("-de")]
    assert (with_de.level, with_de.score) == (without.level, without.score)
