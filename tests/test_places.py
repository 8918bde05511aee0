"""China's administrative divisions: data completeness, short forms, finding places in text."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from rag.text.places import Place, all_places, find_places, lookup, same_place, within

ROOT = Path(__file__).resolve().parents[1]


def names(text: str) -> list[str]:
    return [p.name for p in find_places(text)]


# The data: every province, city and county of the 2020s
def test_data_is_complete_and_current() -> None:
    levels = Counter(p.level for p in all_places())
    assert levels["province"] == 34  # incl. 香港, 澳门, 台湾
    assert 330 <= levels["city"] <= 340
    assert 2800 <= levels["county"] <= 2900
    for name in ("龙港市", "会理市", "米林市", "错那市", "白杨市", "上党区", "云州区", "怀仁市"):
        assert lookup(name), f"{name} (set up 2018-2023) missing"


def test_place_records() -> None:
    (hongtong,) = lookup("洪洞县")
    assert hongtong == Place("洪洞县", "洪洞", "county", "山西省", "临汾市")
    assert lookup("洪洞") == [hongtong]
    (jiang,) = lookup("绛县")
    assert jiang.short == "绛县" and jiang.city == "运城市"  # one-character stem keeps 县
    assert lookup("临汾")[0] == Place("临汾市", "临汾", "city", "山西省", "")
    assert lookup("山西")[0] == Place("山西省", "山西", "province", "", "")
    # autonomous names shorten past the ethnic groups; municipalities have no city level
    assert lookup("延边朝鲜族自治州")[0].short == "延边"
    assert lookup("新疆维吾尔自治区")[0].short == "新疆"
    assert lookup("双江拉祜族佤族布朗族傣族自治县")[0].short == "双江"
    assert lookup("朝阳区")[0].province == "北京市" or lookup("朝阳区")[1].province == "北京市"
    assert {p.city for p in lookup("鼓楼区")} >= {"南京市", "福州市"}  # shared names: several


def test_within_and_same_place() -> None:
    hongtong, linfen, shanxi = lookup("洪洞县")[0], lookup("临汾市")[0], lookup("山西省")[0]
    jiang = lookup("绛县")[0]
    assert within(hongtong, linfen) and within(hongtong, shanxi) and within(linfen, shanxi)
    assert within(hongtong, hongtong)
    assert not within(linfen, hongtong) and not within(jiang, linfen)
    assert same_place("洪洞", "洪洞县") and same_place(hongtong, "洪洞")
    assert not same_place("绛县", "新绛县") and not same_place("洪洞", "临汾")


# Finding places in text
def test_full_names_and_short_forms() -> None:
    assert names("山西省临汾市洪洞县2024年政府工作报告") == ["山西省", "临汾市", "洪洞县"]
    assert names("那绛县呢？") == ["绛县"]
    assert names("洪洞2024年GDP增长目标是多少？") == ["洪洞县"]
    assert names("运城盐湖和新绛") == ["运城市", "盐湖区", "新绛县"]
    assert names("太原和大同") == ["太原市", "大同市"]
    assert names("南京市鼓楼区") == ["南京市", "鼓楼区"]  # a shared name resolved by its city
    assert names("在古县调研") == ["古县"]
    assert names("绛县县委书记主持会议") == ["绛县"]  # X县 + 县委


def test_bare_county_short_forms_need_context_in_documents() -> None:
    """In a question a bare 洪洞 counts; in a long document only with its full name or city."""
    filler = "推进项目建设，优化营商环境，保障和改善民生。" * 30
    assert names("洪洞的物流园怎么样？") == ["洪洞县"]
    assert names(filler + "洪洞的物流园建设加快。") == []
    assert names(filler + "临汾市洪洞的物流园建设加快。") == ["临汾市", "洪洞县"]
    assert names("洪洞县" + filler + "洪洞的物流园建设加快。") == ["洪洞县"]


@pytest.mark.parametrize(
    "text",
    [
        "实现县县通高速，全县贫困县全部摘帽",  # 实现县, 贫困县, 全县
        "科教兴县，千年古县。",  # slogans ending in a county name
        "政府和县委",  # 和县 across 县委
        "相应县级部门",  # 应县 across 相应
        "确保社会长治久安",  # 长治 inside a word
        "培育新兴产业，推进城中村和老城区改造",  # ordinary words that are county names too
        "绿水青山就是金山银山，乡村振兴",
        "朝阳产业，和平发展，平安建设，富民政策",
        "城区生活垃圾日产日清",
    ],
)
def test_ordinary_words_are_not_places(text: str) -> None:
    assert find_places(text) == []


def test_ordinary_word_after_its_parent_is_a_place() -> None:
    assert names("北京朝阳") == ["北京市", "朝阳区"]
    assert names("阳泉市城区") == ["阳泉市", "城区"]


def test_bundled_corpus_yields_only_real_places() -> None:
    """Every place found in the bundled documents is a real place the text names."""
    files = sorted(ROOT.glob("corpus/*.txt"))
    found = {f.name: names(f.read_text(encoding="utf-8")) for f in files}
    assert found["000_cc6c187a06165f0b.txt"][:2] == ["洪洞县", "山西省"]
    assert found["004_3baae9bb049fac4a.txt"][:2] == ["运城市", "绛县"]
    every = {n for ns in found.values() for n in ns}
    junk = set(
        "资源县 合作市 振兴区 新兴县 新兴区 金山区 安定区 平安区 城区 老城区 惠民县 富民县 "
        "牡丹区 新建区 公安县 朝阳区 霍山县 淳化县 平川区 三水区 万安县 平阳县".split()
    )
    assert not every & junk, every & junk
    # the counties named are the two the documents are about, plus 祁县 (山西祁县…)
    counties = {n for n in every if lookup(n)[0].level == "county"}
    assert counties == {"洪洞县", "绛县", "祁县"}, counties


def test_lookup_is_forgiving() -> None:
    assert lookup(" 洪洞县 ") == lookup("洪洞县")
    assert lookup("不存在的地方") == []
    assert find_places("") == []
