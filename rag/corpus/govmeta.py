"""Government-site page furniture: the 索引号/发文机关/主题分类 block and lines like 打印本页.

Such pages open with a metadata table (索引号, 发文机关, 主题分类, 成文日期, 发布日期,
文号 …) and end with site controls (【打印本页】【关闭窗口】, 分享到, 当前位置：首页 > …).
They describe the document; they are not its text. `parse_fields` reads the metadata into
a dict, `is_page_furniture` recognises the control lines.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = ["parse_fields", "fields_of_cells", "is_page_furniture", "STRONG_KEYS", "date_year"]

# Keys that only a metadata block uses; one of them makes a line or a table metadata
STRONG_KEYS = (
    "索引号",
    "发文机关",
    "发布机构",
    "主题分类",
    "体裁分类",
    "组配分类",
    "主题词",
    "成文日期",
    "发文日期",
    "发布日期",
    "发布时间",
    "生效日期",
    "发文字号",
    "文号",
    "信息来源",
    "有效性",
    "公开方式",
    "公开范围",
    "公开时限",
    "浏览次数",
    "访问量",
    "信息分类",
    "服务对象",
)
# Keys that are metadata only next to a strong one (来源, 标题 … also occur in body text)
WEAK_KEYS = ("标题", "名称", "来源", "作者", "分类", "责任编辑", "字号", "点击数", "日期")
_KEY_RE = "|".join(sorted(STRONG_KEYS + WEAK_KEYS, key=len, reverse=True))
# A key may be printed with spaces between its characters: 索 引 号：
_SPACED_KEY = "|".join(
    "[ \u3000]*".join(map(re.escape, k)) for k in sorted(STRONG_KEYS + WEAK_KEYS, key=len)[::-1]
)
_PAIR = re.compile(
    rf"(?:^|(?<=[\s\u3000|｜]))({_SPACED_KEY})[ \u3000]*[:：][ \u3000]*(.*?)"
    rf"(?=[ \u3000|｜]+(?:{_SPACED_KEY})[ \u3000]*[:：]|$)"
)
_OPENS = re.compile(rf"^(?:{_SPACED_KEY})[ \u3000]*[:：]")  # cheap test before the pairs
_SQUASH = re.compile(r"[ \u3000]+")
_BRACKETED = re.compile(r"【[^】]{0,20}】|\[[^\]]{0,20}\]")  # 【字体：大 中 小】 after a value

# Site controls and navigation, alone on a line (several may share it)
_CONTROL = (
    r"【?\[?(?:打印本页|打印此页|打印文章|打印|关闭本页|关闭窗口|关闭|返回顶部|返回|收藏|"
    r"保存本页|我要纠错|纠错|分享到?[:：]?|字体[:：]?\s*[【\[]?\s*大\s*中\s*小\s*[】\]]?|"
    r"字号[:：]?\s*[【\[]?\s*大\s*中\s*小\s*[】\]]?|大\s*中\s*小|"
    r"扫一扫在手机(?:上)?打开当前页|网站地图|联系我们|无障碍|长者模式|"
    r"微信|微博|QQ空间|上一篇[:：]?.{0,40}|下一篇[:：]?.{0,40})\]?】?"
)
_CONTROLS_LINE = re.compile(rf"^(?:\s*{_CONTROL}\s*[|｜/]?\s*)+$")
_NAV = re.compile(r"^(?:当前位置|您现在的位置|您当前的位置|你的位置|所在位置|位置)[:：]")
_CRUMBS = re.compile(r"^首页\s*(?:[>＞»/›]\s*[^>＞»/›]{1,20}\s*){1,6}$")
_YEAR = re.compile(r"((?:19|20)\d{2})\s*[年\-/.]")


def parse_fields(line: str) -> dict[str, str]:
    """`key：value` pairs of a metadata line; {} unless it has a strong key.

    Example:
        >>> parse_fields("索 引 号：11141024/2024-00012   主题分类：综合政务")
        {'索引号': '11141024/2024-00012', '主题分类': '综合政务'}
        >>> parse_fields("来源：国家统计局")
        {}
    """
    stripped = line.strip()
    if len(stripped) > 300 or not _OPENS.match(stripped):
        return {}
    fields = {
        _SQUASH.sub("", m.group(1)): _BRACKETED.sub("", m.group(2)).strip(" \u3000|｜")
        for m in _PAIR.finditer(stripped)
    }
    if not fields or not any(k in STRONG_KEYS for k in fields):
        return {}
    if not stripped.startswith(tuple(k[0] for k in fields)):
        return {}  # the pairs must open the line, not sit inside a sentence
    return fields


def fields_of_cells(cells: Sequence[str]) -> dict[str, str]:
    """Metadata from a table's cells in reading order (`索引号`, `1114…`, `主题分类`, …).

    Example:
        >>> fields_of_cells(["索 引 号：", "1114/2024-01", "发文机关：", "洪洞县人民政府"])
        {'索引号': '1114/2024-01', '发文机关': '洪洞县人民政府'}
    """
    out: dict[str, str] = {}
    key = ""
    keys = set(STRONG_KEYS + WEAK_KEYS)
    for raw in cells:
        cell = " ".join(raw.split())
        if not cell:
            continue
        inline = parse_fields(cell) if re.search(r"[:：]", cell) else {}
        squashed = _SQUASH.sub("", cell).rstrip(":：")
        if squashed in keys and (cell.endswith((":", "：")) or not key):
            key = squashed
            continue
        if inline:
            out.update(inline)
            key = ""
        elif key:
            out[key] = cell
            key = ""
    return out if any(k in STRONG_KEYS for k in out) else {}


def is_page_furniture(line: str) -> bool:
    """Site controls and navigation: 【打印本页】【关闭窗口】, 当前位置：首页 > 政务公开.

    Example:
        >>> is_page_furniture("【打印本页】 【关闭窗口】")
        True
        >>> is_page_furniture("当前位置：首页 > 政务公开")
        True
        >>> is_page_furniture("关闭一批落后产能")
        False
    """
    text = line.strip()
    if not text or len(text) > 120:
        return False
    return bool(_CONTROLS_LINE.match(text) or _NAV.match(text) or _CRUMBS.match(text))


def date_year(value: str) -> int | None:
    """The year of a date field (`2024-03-05`, `2024年3月5日`).

    Example:
        >>> date_year("2024-03-05 10:00"), date_year("无")
        (2024, None)
    """
    m = _YEAR.search(value + " ")
    return int(m.group(1)) if m else None
