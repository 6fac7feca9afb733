"""Compare person names the way real alerts and reports spell them.

Alerts are read aloud, transcribed, romanised and retyped: "Amanda Qiu" turns
up as "Qiu Amanda", "Amanda Chiu", "A. Qiu", "Amanda Shu". Comparison folds
case, accents and punctuation, ignores word order, maps romanisation variants
of common surnames (Pinyin, Wade-Giles, Cantonese, Hokkien) to one form,
accepts a typo, an initial, and (weakest) a sound-alike surname.

This says how much two *names* agree and why. A name alone is weak
evidence: many people share one. The matcher only calls a match strong when
something other than the name agrees too, and it treats every name the same
way whatever its origin.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz.distance import Levenshtein

# Romanisation variants of common surnames, canonical form first.
_VARIANTS = """
qiu chiu khoo yau chew khaw
xu hsu hui tsui khor
zhang chang cheung chong teo
zhou chou chow chau
chen chan tan chin
wang wong ong heng
li lee lei lie
liu lau lao low
huang hwang ng oei
zhao chao chiu siew
wu woo goh
yang yeung yong yeo
zhu chu choo
lin lam lim ling
he ho hoh
guo kuo kwok kwek quek
ma mah
luo lo law loh
liang leung leong neo
song sung soong
zheng cheng cheang tay
xie hsieh tse cheah seah
han hon
tang tong
feng fung fong
deng teng
cao tsao
peng pang phang
zeng tseng tsang
xiao hsiao siu
tian tien
dong tung
pan poon phua
yuan yuen
cai tsai choi chua chai
jiang chiang keung kiang
yu yue yee
du tu
ye yeh yip yap
wei ngai
su soo
lu loo
ding ting
shen shum sham sim
ren jen yam
yao yiu
shi shih sze see
xiong hsiung hung
jin kam kim
qian chien
gao kao ko koh
hu hoo foo
qin tsin
shao shiu
tan tam taam
xue hsueh sit
bai pai pak
lv lui lyu
"""
CANONICAL: dict[str, str] = {}
for _line in _VARIANTS.strip().splitlines():
    _forms = _line.split()
    for _form in _forms:
        CANONICAL.setdefault(_form, _forms[0])

# Onsets and rhymes that sound alike when a name is heard, not read.
_SIBILANT_ONSET = re.compile(r"^(?:q|ch|c|j|zh|z|x|sh|s|hs|ts|tz|sz)")
_U_RHYME = re.compile(r"(?:iu|iou|ou|oo|ew|eu|u|ue)$")


def tokens(name: str) -> tuple[str, ...]:
    """Name words folded: case, accents, punctuation; hyphenated parts kept together."""
    n = unicodedata.normalize("NFKD", name)
    n = "".join(c for c in n if not unicodedata.combining(c)).casefold()
    n = re.sub(r"(?<=\w)[-'’](?=\w)", "", n)  # Min-jun -> minjun, O'Neil -> oneil
    return tuple(w for w in re.split(r"[^\w]+", n) if w and not w.isdigit())


@lru_cache(maxsize=131_072)
def canonical(word: str) -> str:
    return CANONICAL.get(word, word)


@lru_cache(maxsize=131_072)
def sound_key(word: str) -> str:
    """A coarse key under which "qiu", "chiu" and "shu" agree."""
    w = canonical(word)
    onset = "S" if _SIBILANT_ONSET.match(w) else w[:1]
    rhyme = "U" if _U_RHYME.search(w) else w[-2:]
    return onset + rhyme


def key(name: str) -> tuple[str, ...]:
    """Canonical words, sorted: the same for "Qiu Amanda" and "Amanda Chiu"."""
    return tuple(sorted(canonical(w) for w in tokens(name)))


@dataclass(frozen=True, slots=True)
class NameAgreement:
    strength: float  # 1.0 same name ... 0.6 initial or sound-alike
    how: str


def _close(a: str, b: str) -> bool:
    """One typo, where one spelling has five or more letters ("Shirly"/"Shirley",
    "Keni"/"Kenji"); short syllables ("Wei"/"Wen") are different names, not typos."""
    return min(len(a), len(b)) >= 4 and max(len(a), len(b)) >= 5 and Levenshtein.distance(a, b) <= 1


def compare(a: str, b: str) -> NameAgreement | None:
    """How the names ``a`` and ``b`` agree, or None when they do not."""
    ta, tb = tokens(a), tokens(b)
    if not ta or not tb:
        return None
    ka = sorted(canonical(w) for w in ta)
    kb = sorted(canonical(w) for w in tb)
    if ka == kb:
        if sorted(ta) == sorted(tb):
            how = "same name" if list(ta) == list(tb) else "same name, other word order"
            return NameAgreement(1.0, how)
        return NameAgreement(1.0, "same name in another romanisation")
    if len(ka) != len(kb) or len(ka) < 2:
        return None
    # Pair words up greedily: exact, then typo, then initial, then sound-alike.
    left, right = list(ka), list(kb)
    kinds: list[str] = []
    for rank, test in (
        ("exact", lambda x, y: x == y),
        ("typo", _close),
        (
            "initial",
            lambda x, y: (len(x) == 1 and y.startswith(x)) or (len(y) == 1 and x.startswith(y)),
        ),
        ("sound", lambda x, y: len(x) > 1 and len(y) > 1 and sound_key(x) == sound_key(y)),
    ):
        for x in list(left):
            for y in right:
                if test(x, y):
                    left.remove(x)
                    right.remove(y)
                    kinds.append(rank)
                    break
    if left or "exact" not in kinds:
        return None
    if "sound" in kinds:
        return NameAgreement(0.6, "same given name, surname sounds alike (a transcription slip?)")
    if "initial" in kinds:
        return NameAgreement(0.6, "same surname, given name as an initial")
    return NameAgreement(0.9, "same name with a spelling variant")
