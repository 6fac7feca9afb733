"""The French rules (approach-fr.yaml): approaches in French rise, French professional mail stays low.

Every text here is synthetic, written for these tests in our own words; names,
numbers and addresses are invented. The red-flag sentences use wording that no
rule example uses, so they test the rules rather than repeat their examples.
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


# --- the pack itself ---------------------------------------------------------------


def test_every_french_rule_mirrors_its_english_counterpart() -> None:
    rules = builtin_rules()
    by_name = {r.name: r for r in rules}
    french = [r for r in rules if r.source.endswith("approach-fr.yaml")]
    assert len(french) >= 20
    for rule in french:
        assert rule.name.endswith("-fr"), rule.name
        assert rule.title.endswith(" (French)") or rule.title.endswith(' (French)"'), rule.name
        assert rule.status == "stable", rule.name
        english = by_name[rule.name.removesuffix("-fr")]
        assert (rule.category, rule.weight, rule.tags) == (
            english.category,
            english.weight,
            english.tags,
        ), rule.name
        assert len(rule.positive) >= 2 and len(rule.negative) >= 2, rule.name
    uuids = [r.uuid for r in rules]
    assert len(uuids) == len(set(uuids))


# --- 1. one fresh sentence per red flag ----------------------------------------------

RED_FLAGS = [
    ("On te paierait 1 800 euros par synthèse livrée.", "paid-reports-fr"),
    ("Vos briefings seraient bien payés, croyez-moi.", "paid-reports-fr"),
    (
        "Je représente un client, une grande institution que je ne peux pas nommer.",
        "unnamed-client-fr",
    ),
    ("Ce rôle est taillé pour votre parcours.", "vague-role-fr"),
    ("Vos publications sur la fiscalité locale sont brillantes.", "flattery-fr"),
    ("Seuls quelques experts, sélectionnés avec soin, recevront cette proposition.", "scarcity-fr"),
    ("Merci de confirmer sans délai, le dossier se clôt demain.", "urgency-fr"),
    ("Écris-moi sur Telegram, c'est plus pratique qu'ici.", "offplatform-messenger-fr"),
    ("Appelez-moi au +41 79 123 45 67 dès que possible.", "offplatform-phone-fr"),
    ("Pour la suite, passons par votre e-mail privé.", "offplatform-personal-email-fr"),
    ("Transmettez-moi votre curriculum vitae, je le ferai suivre.", "cv-request-fr"),
    (
        "Pourriez-vous me communiquer votre IBAN et votre lieu de naissance ?",
        "personal-details-request-fr",
    ),
    ("Tous vos frais seront pris en charge pour venir rencontrer notre client.", "paid-travel-fr"),
    ("Nous pouvons vous régler en bitcoins pour plus de simplicité.", "payment-method-fr"),
    ("La rétribution serait le double de votre salaire actuel.", "too-good-offer-fr"),
    ("Quelques heures seulement, et un revenu sans commune mesure.", "too-good-offer-fr"),
    ("Sur quels dossiers travaillez-vous au cabinet du ministre ?", "access-interest-fr"),
    ("Disposez-vous d'une habilitation ? Mon client voudrait le savoir.", "access-interest-fr"),
    ("Y a-t-il des divisions internes au Sénat sur ce texte ?", "access-interest-fr"),
    (
        "Pourriez-vous me donner les noms de vos collègues qui suivent l'énergie ?",
        "colleague-spotting-fr",
    ),
    ("Peux-tu me faire suivre les notes de cabinet sur la réforme ?", "non-public-information-fr"),
    ("Il suffirait de photographier les documents classifiés.", "non-public-information-fr"),
    ("Pas besoin d'en parler à ton n+1, c'est une affaire privée.", "secrecy-request-fr"),
    (
        "Nous vous demandons la plus grande discrétion sur cette proposition.",
        "discretion-request-fr",
    ),
    ("Pas besoin d'enquête de sécurité, le client vous fait confiance.", "no-vetting-fr"),
    (
        "Depuis que tu as perdu ton poste, les fins de mois doivent être dures.",
        "vulnerability-targeting-fr",
    ),
    ("Vous êtes endettée, je le sais ; cette mission vous aiderait.", "vulnerability-targeting-fr"),
]


@pytest.mark.parametrize(
    ("text", "rule"), RED_FLAGS, ids=[f"{r}-{i}" for i, (_, r) in enumerate(RED_FLAGS)]
)
def test_each_red_flag_is_caught_in_french(checker: Checker, text: str, rule: str) -> None:
    found = _ids(checker, text)
    assert family(rule) in {family(f) for f in found}, found


# --- 2. whole approaches -----------------------------------------------------------

APPROACHES = {
    "chasseur de têtes: flattery, client, paid notes, WeChat": """
Bonjour Madame,
Votre parcours à la commission des finances est vraiment impressionnant. Je suis
chasseuse de têtes et l'un de nos clients, dont je ne peux pas encore révéler le nom,
recherche des experts pour des notes d'analyse rémunérées sur les débats budgétaires
(environ 2 000 euros par note). Ce serait plus simple de poursuivre sur WeChat ou
WhatsApp : mon identifiant est lina_conseil88.
Bien à vous,
""",
    "think tank: paid trip, internal commission discussions": """
Cher Monsieur,
Notre centre d'études stratégiques réunit chaque année un cercle restreint d'experts
pour un forum international, voyage tous frais payés. Vous seriez notre invité. En
amont, nous aimerions beaucoup connaître votre lecture des discussions internes de la
commission de la défense sur la loi de programmation militaire.
""",
    "consultant: draft papers for cash, kept secret": """
Bonjour,
Je suis consultant et je travaille pour le compte d'un client européen. Pourriez-vous
me transmettre le projet de rapport de la mission d'information avant sa publication ?
Je vous paierai en espèces, 3 000 euros, lors de notre rencontre. Que cela reste entre
nous : inutile d'en parler à votre hiérarchie.
""",
    "tu: Telegram, paid notes on the mood in the ministry": """
Salut Julien, ton profil m'a beaucoup impressionné. Mon client paie très bien pour de
petites notes sur l'ambiance au sein du ministère, quelques heures par mois.
Ajoute-moi sur Telegram, on sera plus tranquilles pour en parler. Réponds-moi vite !
""",
}


@pytest.mark.parametrize("name", list(APPROACHES))
def test_french_approaches_are_rated_high_with_the_core_pattern(
    checker: Checker, name: str
) -> None:
    result = checker.check_text(APPROACHES[name], today=TODAY)
    ids = [f.id for f in result.findings]
    assert result.level is Level.HIGH, (result.score, ids)
    assert "core-pattern" in ids, ids
    core = next(f for f in result.findings if f.id == "core-pattern")
    assert len(core.evidence) >= 2


def test_core_pattern_joins_money_with_the_ask(checker: Checker) -> None:
    ids = _ids(checker, APPROACHES["consultant: draft papers for cash, kept secret"])
    assert {"non-public-information-fr", "payment-method-fr", "secrecy-request-fr"} <= set(ids)
    ids = _ids(checker, APPROACHES["chasseur de têtes: flattery, client, paid notes, WeChat"])
    assert {"paid-reports-fr", "offplatform-messenger-fr", "flattery-fr"} <= set(ids)
    ids = _ids(checker, APPROACHES["think tank: paid trip, internal commission discussions"])
    assert {"paid-travel-fr", "access-interest-fr", "scarcity-fr"} <= set(ids)


# --- 3. legitimate French mail stays low -------------------------------------------

LEGITIMATE = [
    # a real recruiter for a named, advertised vacancy
    "Bonjour Sophie, je recrute pour le poste de chargé(e) de mission affaires européennes"
    " au ministère de l'Économie (offre n° 2026-4471, publiée sur Choisir le service public)."
    " Votre profil correspond bien ; si vous êtes intéressée, merci de m'envoyer votre CV et"
    " une lettre de motivation avant le 15 décembre.",
    "Bonjour, le cabinet Exécutif Conseil recherche pour un client du secteur de l'énergie"
    " un directeur des affaires publiques (CDI, Paris, réf. EC-8812). Rémunération attractive"
    " selon profil. Postulez en ligne sur notre site.",
    "Bonjour, je suis chasseur de têtes chez Talents Publics. Le poste de secrétaire général"
    " d'une autorité administrative indépendante (référence TP-2291) pourrait vous intéresser."
    " Pouvons-nous en parler par téléphone ? Vous pouvez me joindre au 06 12 34 56 78.",
    "Madame, votre candidature au poste d'administrateur (référence SEN-2026-07) a bien été"
    " reçue ; l'entretien avec le jury aura lieu le 9 janvier.",
    # conference invitations with a published programme
    "Madame, Monsieur, le programme complet du colloque « Parlement et numérique » (12 mars)"
    " est disponible sur le site du colloque. Vos frais de déplacement seront remboursés selon"
    " le barème ; merci de nous transmettre votre RIB après l'événement.",
    "Chère Madame, l'Institut organise une table ronde sur l'énergie ; l'hébergement est offert"
    " aux intervenants et le programme détaillé est en ligne. Nous serions ravis de vous compter"
    " parmi nous. Merci de confirmer votre présence avant le 20 janvier.",
    # academics asking for an interview, with ethics approval
    "Madame, je suis doctorante à l'université de Lyon et je travaille sur le rôle des"
    " collaborateurs parlementaires. Accepteriez-vous un entretien de 45 minutes ? Le projet a"
    " reçu l'avis favorable du comité d'éthique ; vos réponses resteront confidentielles.",
    "Bonjour, dans le cadre de ma thèse, j'aimerais vous interroger sur votre rôle au sein de"
    " la commission des affaires sociales. L'entretien est anonyme et le protocole a été validé"
    " par le comité d'éthique de l'université ; la notice d'information est jointe.",
    # colleagues about commission papers
    "Bonjour, je vous transmets le projet de rapport de la mission d'information pour relecture"
    " avant la réunion de commission de mercredi. Merci de me faire part de vos remarques"
    " d'ici vendredi.",
    "Suite à la réunion, pouvez-vous nous transmettre la version provisoire du compte rendu"
    " pour validation par le président ? Le secrétariat diffusera ensuite les documents.",
    "Cher collègue, je te présente Claire, qui reprend le suivi du texte ; n'hésite pas à la"
    " mettre en copie de tes échanges avec le cabinet.",
    # ministry colleagues
    "Chère collègue, les arbitrages du cabinet sont attendus demain ; le ministre de"
    " l'Intérieur sera auditionné par la commission des lois mardi à 17 heures.",
    "Bonjour Paul, la réunion interministérielle sur le climat est reportée ; les relevés de"
    " décision seront diffusés après validation par Matignon.",
    "Chers collègues, la délégation partira pour Bruxelles lundi ; merci d'envoyer une copie"
    " de votre passeport au secrétariat pour les billets.",
    "Note de service : les congés payés doivent être posés avant le 31 mai. Les heures"
    " supplémentaires seront payées en janvier.",
    # press enquiries
    "Bonjour, je suis journaliste au Quotidien de l'Ouest et je prépare un article sur la"
    " réforme des retraites. Seriez-vous disponible pour un court entretien d'ici ce soir ?"
    " Mon numéro est le 01 57 28 20 00.",
    "Bonjour, pour un papier à paraître jeudi, pourriez-vous me confirmer la date de"
    " l'audition du ministre par la commission ? Merci par avance.",
    # constituent letters
    "Monsieur le Député, je me permets de vous écrire au sujet de la fermeture de l'école de"
    " mon village. Vous pouvez me répondre à jean.martin@orange.fr. Je vous prie d'agréer mes"
    " salutations distinguées.",
    "Madame la Sénatrice, je suis surendettée depuis la perte de mon emploi et je sollicite"
    " votre aide pour mon dossier à la Banque de France.",
    # newsletters
    "La lettre de l'Assemblée : cette semaine, la commission des finances examine le projet"
    " de loi de finances ; découvrez ce qui se passe à l'Assemblée sur notre site. Ne manquez"
    " pas cette occasion de suivre les débats en direct.",
    "Notre think tank publie chaque mois des notes d'analyse gratuites ; la dernière porte sur"
    " la souveraineté numérique. Inscription en ligne pour le séminaire du 3 février.",
    # a lobbyist on the public register, an association, a journal
    "Bonjour, le cabinet Dupont & Associés, représentant d'intérêts inscrit au répertoire de"
    " la HATVP, souhaiterait vous présenter la position de notre client, la Fédération des"
    " transporteurs, sur l'article 12.",
    "Bonjour, la revue sollicite une contribution de 30 000 signes sur le bicamérisme ; les"
    " articles ne sont pas rémunérés et la publication est soumise à évaluation par les pairs.",
    "Rappel : le paiement en espèces n'est plus accepté à la buvette ; merci d'utiliser votre"
    " carte. Le règlement européen sur les crypto-actifs sera présenté en commission jeudi.",
    "Je t'ajoute au groupe WhatsApp de l'équipe pour l'organisation du pot de départ de Marie."
    " Ne dis rien à Marie, c'est une surprise !",
    "Le rapport de la Cour des comptes note que la rémunération des consultants a augmenté"
    " de 2 millions d'euros par rapport à 2019 ; le débat sur la dette publique aura lieu"
    " la semaine prochaine.",
]


@pytest.mark.parametrize("text", LEGITIMATE, ids=[f"legit-{i:02d}" for i in range(len(LEGITIMATE))])
def test_legitimate_french_mail_is_rated_low(checker: Checker, text: str) -> None:
    result = checker.check_text(text, today=TODAY)
    assert result.level is Level.LOW, (result.score, [(f.id, f.weight) for f in result.findings])


def test_enough_legitimate_messages() -> None:
    assert len(LEGITIMATE) >= 20


# --- 4. the English pack is unchanged -------------------------------------------------

ENGLISH = {
    "headhunter with paid reports and a move to WeChat": Level.HIGH,
    "recruiter with a public job reference": Level.LOW,
    "unnamed client offering paid consultancy, nothing else yet": Level.MEDIUM,
}


@pytest.mark.parametrize("name", list(ENGLISH))
def test_english_scenarios_keep_their_rating(checker: Checker, name: str) -> None:
    case = next(c for c in SCENARIOS if c["name"] == name)
    result = checker.check_text(case["text"], today=TODAY, kind=case.get("kind", "message"))
    assert result.level is ENGLISH[name]


@pytest.mark.parametrize("case", SCENARIOS, ids=[c["name"] for c in SCENARIOS])
def test_no_french_rule_fires_on_the_english_scenarios(
    checker: Checker, case: dict[str, str]
) -> None:
    result = checker.check_text(case["text"], today=TODAY, kind=case.get("kind", "message"))
    assert not [f.id for f in result.findings if f.id.endswith("-fr")]
