"""Which languages a text may be written in, to choose the rules worth running on it.

Rules written for one language (``language: de`` in a rule file) run only on
texts that may be in that language; rules without a language run on every
text. The guess is cheap and errs towards running more. A short text (fewer
than :data:`SHORT` words) and a text that is not clearly English (fewer than
:data:`ENGLISH_WORDS` distinct common English words) get every language's
rules: a few words cannot tell, and a single German or Dutch sentence may
hold only one or two of its language's common words. A clearly English text
gets only the languages of which it holds at least :data:`MIN_WORDS` distinct
common words (a quoted sentence, a bilingual signature). Most mail a British
member of staff receives is clearly English, and skips the other packs.

The guess only decides which rules run. It is never a signal: a rating never
depends on the language a message is written in, and a name is not read for
it (a name's particles, such as "van" or "de", are left out of the word lists).
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Set as AbstractSet

SHORT = 8
MIN_WORDS = 2

# Common words of each language, folded as the tokeniser folds them (lower case,
# no diacritics), leaving out words that are common English too ("an", "in", "so",
# "was", "die", "also", "on", "me", "we", "of", "is", "as", "plus") and the
# particles of names ("van", "von", "der", "de", "la", "le", "da", "di", "ten", "ter").
STOPWORDS: dict[str, frozenset[str]] = {
    "de": frozenset(
        "und das dass ich du dir dich mich mir uns euch nicht sie ihnen ihr ihre ihren ihrem "
        "ihrer dein deine deinen deinem deiner mit sich auf ist sind bin bist ein eine einen "
        "einem einer zu zum zur im dem des vom beim wir fur auch wenn oder aber noch "
        "bei nach uber wie sehr haben hat hast habe wird werden wurde wurden kann kannst "
        "konnen konnten mochte mochten gerne bitte dank vielen gruss grussen freundlichen "
        "herr frau jede jeden jeder es gibt dann diese dieser dieses schon nur mehr unser "
        "unsere unserer aus ob weil damit sowie sollen sollte mussen".split()
    ),
    "fr": frozenset(
        "les des est et un une du que qui pour dans pas sur avec nous vous ce cette ces sont "
        "mais ou au aux tres votre vos notre nos je tu te toi ton ta tes moi mon mes il elle "
        "ils elles suis etes avez ai avons serait pourriez peux peut pouvez bonjour merci "
        "cordialement madame monsieur chaque mois ne comme aussi leur leurs sera ete fait "
        "faire cela ca en y".split()
    ),
    "nl": frozenset(
        "het een en niet dat zijn ik je jij jou jouw u uw wij voor met aan ook naar bij "
        "jullie maar wordt worden kunt kun kan zou zouden heel graag hebt heeft hebben wil "
        "wilt onze ons mijn bedankt dank groet groeten vriendelijke beste geachte mevrouw "
        "meneer elk elke er wat wie hoe waar dit deze nog om te tot uit op mee even alvast "
        "hieronder verder makkelijker".split()
    ),
}
LANGUAGES = frozenset(STOPWORDS)

# Common English words: a text with fewer than ENGLISH_WORDS of them is not clearly
# English, and every language's rules run on it.
ENGLISH = frozenset(
    "the and to of you your for with is are this that we our be have would will it".split()
)
ENGLISH_WORDS = 4


# Each foreign common word, with the languages it is common in.
_LANGUAGES_OF: dict[str, tuple[str, ...]] = {}
for _lang, _words in STOPWORDS.items():
    for _w in _words:
        _LANGUAGES_OF[_w] = (*_LANGUAGES_OF.get(_w, ()), _lang)
_FOREIGN = frozenset(_LANGUAGES_OF)
# Every word the guess counts: found with the rules' anchors in one pass over a text.
GUESS_WORDS = ENGLISH | _FOREIGN


def languages_in(words: AbstractSet[str], count: int) -> frozenset[str]:
    """The languages (of :data:`LANGUAGES`) whose rules to run on a text of ``count``
    normalised tokens; ``words`` holds (at least) those of its tokens that are in
    :data:`GUESS_WORDS`.

    Every language for a short text or one that is not clearly English; for a
    clearly English text, only the languages with :data:`MIN_WORDS` common
    words in it.
    """
    if count < SHORT or len(ENGLISH.intersection(words)) < ENGLISH_WORDS:
        return LANGUAGES
    found = _FOREIGN.intersection(words)
    if len(found) < MIN_WORDS:
        return _NONE
    seen: dict[str, int] = {}
    for w in found:
        for lang in _LANGUAGES_OF[w]:
            seen[lang] = seen.get(lang, 0) + 1
    return frozenset(lang for lang, n in seen.items() if n >= MIN_WORDS)


_NONE: frozenset[str] = frozenset()


def languages_of(tokens: Iterable[str]) -> frozenset[str]:
    """:func:`languages_in` for a sequence of normalised tokens."""
    toks = list(tokens)
    words = set(toks)
    words.discard("")
    return languages_in(words, len(toks))


def main_language(words: AbstractSet[str]) -> str | None:
    """The language (of :data:`LANGUAGES`) with the most distinct common words among
    ``words``, when one has more than any other and at least :data:`MIN_WORDS`."""
    seen: dict[str, int] = {}
    for w in _FOREIGN.intersection(words):
        for lang in _LANGUAGES_OF[w]:
            seen[lang] = seen.get(lang, 0) + 1
    ranked = sorted(seen.items(), key=lambda kv: -kv[1])
    if not ranked or ranked[0][1] < MIN_WORDS:
        return None
    if len(ranked) > 1 and ranked[1][1] == ranked[0][1]:
        return None
    return ranked[0][0]
