"""Bylines `（李安安 洛宇峰 徐 静）` and author lines `李安安 王舒一`: names, not body text."""

from __future__ import annotations

import re

from rag.corpus.offsets import MappedStr

__all__ = ["split_byline", "has_byline", "author_names"]

# `（李安安 洛宇峰 徐 静）` at the end of a paragraph: names separated by spaces.
_NAME = r"[\u4e00-\u9fff]{1,4}"
_BYLINE = re.compile(rf"[（(][ \u3000]*((?:{_NAME}[ \u3000]+)+{_NAME})[ \u3000]*[）)][ \u3000]*$")
# Common surnames (single and compound), to tell an author line from a slogan.
_SURNAMES = set(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚"
    "邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳"
    "甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解"
    "牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边"
    "卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝洛"
)
_COMPOUND = ("上官", "欧阳", "司马", "诸葛", "东方", "皇甫", "尉迟", "公孙", "令狐", "慕容", "夏侯")


def split_byline(para: MappedStr) -> tuple[MappedStr, list[str]]:
    """Cut a trailing `（李安安 洛宇峰 徐 静）` byline; returns (text, names).

    Example:
        >>> t, names = split_byline(MappedStr.literal("作出应有的贡献！（李安安 洛宇峰 徐 静）"))
        >>> t.text, names
        ('作出应有的贡献！', ['李安安', '洛宇峰', '徐静'])
    """
    m = _BYLINE.search(para.text)
    if not m:
        return para, []
    names = _names(m.group(1))
    if not names:
        return para, []
    return para[: m.start()].strip(), names


def has_byline(text: str) -> bool:
    """True when `text` ends with a `（name name）` byline (its spaced names stay apart)."""
    return _BYLINE.search(text) is not None


def author_names(text: str) -> list[str]:
    """Names when `text` is only an author line (`李安安 上官仕发 王舒一`), else [].

    Example:
        >>> author_names("李安安 上官仕发 王舒一"), author_names("干字当头 实字为要")
        (['李安安', '上官仕发', '王舒一'], [])
    """
    stripped = text.strip()
    if len(stripped) > 30 or not re.fullmatch(
        r"[\u4e00-\u9fff]{1,4}(?:[ \u3000]+[\u4e00-\u9fff]{1,4})+", stripped
    ):
        return []
    tokens = stripped.split()
    if len(tokens) < 2 or not all(len(t) >= 2 for t in tokens):
        return []
    return _names(stripped)


def _names(text: str) -> list[str]:
    """Split `李安安 李 锐 席 悦` into names, pairing single characters (`李 锐` -> `李锐`)."""
    tokens = text.split()
    names: list[str] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if len(tok) == 1 and i + 1 < len(tokens) and len(tokens[i + 1]) == 1:
            tok, i = tok + tokens[i + 1], i + 1
        i += 1
        if not (tok[0] in _SURNAMES or tok.startswith(_COMPOUND)) or len(tok) < 2:
            return []
        names.append(tok)
    return names
