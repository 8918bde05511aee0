"""List answers: every item of the list a question asks for, in document order, counted."""

from __future__ import annotations

import pytest

from rag.answer.candidates import candidate_units
from rag.answer.compose import choose, compose
from rag.answer.decision import Decision
from rag.answer.pipeline import ExtractiveAnswerer
from rag.answer.query import analyze
from rag.answer.stats import CorpusStats
from rag.corpus.models import Chunk
from rag.retrieval.models import Hit
from tests.answer_helpers import hit as _hit


def test_list_question_returns_every_item_and_the_count() -> None:
    items = ["新建农村幼儿园3所", "改造农村公路120公里", "新增城镇就业2000人", "改造老旧小区42个",
             "新建口袋公园18处", "建设标准化考场10个"]
    text = "2024年十件民生实事包括：\n" + "\n".join(f"- {x}" for x in items) + "\n"
    hits = [_hit(text, heading="十件民生实事")]
    # the decision is tested elsewhere: here, what a list answer looks like
    ans = ExtractiveAnswerer(threshold=0.0, stats=CorpusStats([h.chunk for h in hits])).answer(
        "2024年民生实事有哪些？", hits)
    assert ans.answerable, ans.answer
    assert all(x in ans.answer for x in items) and f"共{len(items)}项：" in ans.answer[:20]


def test_list_under_the_heading_that_names_it() -> None:
    # The items never repeat the list's name; a sentence elsewhere does, without the list
    items = ["一是为80周岁及以上老年人发放高龄津贴", "二是实施城乡养老工程", "三是免费送戏下乡",
             "四是开展农村供水工程维修养护", "五是实施扶残助学圆梦工程", "六是加装电梯"]
    listed = _hit("\n".join(f"- {x}" for x in items), rank=2, heading="全力办好6件民生实事")
    other = _hit("持续推进“六大民生实事”，把改善民生的“大责任”扛在肩上。", rank=1,
                 heading="办好民生关键事")
    hits = [other, listed]
    ans = ExtractiveAnswerer(threshold=0.0, stats=CorpusStats([h.chunk for h in hits])).answer(
        "洪洞2024年的6件民生实事都有啥？", hits)
    assert ans.answerable and ans.answer.startswith("共6件：")
    assert all(x in ans.answer for x in items)


def _section(cid: str, heading: list[str], text: str, start: int) -> Hit:
    c = Chunk(cid, "d", "d.txt", "洪洞县十四五规划", "洪洞县", 2021, ["洪洞县十四五规划", *heading],
              text, start, start + len(text))
    return Hit(c, 1.0, int(cid[1:]), {"dense": 0.8})


def test_list_of_sub_sections_is_read_whole_from_the_index() -> None:
    # The lead-in names the count; its items are sub-section headings, the first written
    # run-in in the lead's own chunk, one of them in a chunk that was not retrieved
    names = ["智能装备制造集群", "煤机制造产业集群", "新材料产业集群", "环保产业集群"]
    parent = ["发展多元产业", "积极培育新兴产业"]
    lead = ("积极培育新兴产业\n\n以园区为载体，着力打造4大产业集群。\n\n"
            f"{names[0]}。 推进智能制造产业园建设。")
    hits, pos = [_section("c1", parent, lead, 0)], len(lead) + 2
    for i, name in enumerate(names[1:], start=2):
        text = f"{name}。 加快项目落地，打造产业基地。"
        hits.append(_section(f"c{i}", [*parent, name], text, pos))
        pos += len(text) + 2
    def doc_chunks(doc_id: str) -> list[Chunk]:
        return [h.chunk for h in hits if h.chunk.doc_id == doc_id]

    shown = hits[:3]  # 环保产业集群 ranked below what was retrieved
    query = analyze("洪洞要培育哪4大产业集群？")
    units = candidate_units(shown)
    for u in units:
        u.p = 0.9 if "4大产业集群" in u.text else 0.1
    chosen = choose(units, query, 5, doc_chunks, shown)
    assert [u.text for u in chosen] == names
    for u in chosen:  # each item a verbatim quote of its own chunk
        assert u.hit.chunk.text[u.span.start : u.span.end] == u.text
    ans = compose(chosen, query, Decision(True, 0.9), shown)
    assert ans.answer.startswith("据2021年资料，共4个：") and len(ans.citations) == 4
    # without the index's chunks, only what was retrieved: 3 of 4 is not taken as the list
    assert [u.text for u in choose(units, query, 5, None, shown)] != names[:3]


def test_numbered_run_of_headings_is_the_counted_list() -> None:
    heads = ["(一) 推动工业经济量质齐升", "(二) 赋能美丽乡村全面振兴", "(三) 优化第三产业发展布局"]
    body = "\n\n".join(f"{h}\n\n- 做大传统产业" for h in heads)
    text = body + "\n\n以产业体系为支撑，重点抓好三方面工作。"
    hits = [_section("c1", ["2024年工作"], text, 0)]
    query = analyze("洪洞2024年要重点抓好哪三项工作？")
    assert "list" in query.intents
    units = candidate_units(hits)
    for u in units:
        u.p = 0.9 if "三方面工作" in u.text else 0.1
    chosen = choose(units, query, 5, None, hits)
    assert [u.text for u in chosen] == heads
    # a question that counts another number takes no run of three
    other = analyze("洪洞2024年要重点抓好哪五项工作？")
    assert [u.text for u in choose(units, other, 5, None, hits)] != heads


def test_numbered_clauses_are_the_list() -> None:
    # 「一是…；二是…；三是…。」 inside one paragraph: each clause an item, nothing after it
    items = ["一是新建农村公路120公里", "二是改造老旧小区42个", "三是新建口袋公园18处"]
    text = f"今年重点抓好三件实事：{items[0]}；{items[1]}；{items[2]}。其他工作稳步推进。"
    hits = [_section("c1", ["民生"], text, 0)]
    units = candidate_units(hits)
    for u in units:
        u.p = 0.9 if "三件实事" in u.text else 0.1
    for question in ("今年要办哪三件实事？", "今年要办哪些实事？"):
        assert [u.text for u in choose(units, analyze(question), 5, None, hits)] == items


def test_a_lead_in_that_counts_its_items_sets_the_list_length() -> None:
    # The question does not count (哪几大); the lead-in does (三大战略定位), and names other
    # things with 、 on the way; its items are the paragraphs that follow, 「一是…。 …」
    items = ["一是打造文化旅游目的地", "二是打造全国文明城市", "三是打造绿色转型排头兵"]
    lead = "围绕总体定位，体现“绿色发展、科技创新、数字经济”等方面成效，明确三大战略定位。"
    text = lead + "\n\n" + "\n\n".join(f"{x}。 持续推进，久久为功。" for x in items)
    hits = [_section("c1", ["战略定位"], text, 0)]
    units = candidate_units(hits)
    for u in units:
        u.p = 0.9 if "三大战略定位" in u.text else 0.1
    chosen = choose(units, analyze("洪洞十四五规划有哪几大战略？"), 5, None, hits)
    assert [u.text for u in chosen] == items


def test_a_list_in_one_sentence_is_quoted_whole() -> None:
    # 「主要预期目标是：A；B；C。」 is cut into clauses; a list question quotes all of them, and
    # a heading elsewhere in the same document (whose title names the question's words) with
    # bullets under it is not taken for the list
    goals = ["今年发展主要预期目标是：全县地区生产总值增长7.5%以上；",
             "规模以上工业增加值增长8.2%以上；", "固定资产投资增长12%以上；",
             "社会消费品零售总额增长8.6%左右。"]
    title = "洪洞县政府工作报告"
    goal = Chunk("c1", "d", "d.txt", title, "洪洞县", 2024, [title, "主要预期目标"],
                 "".join(goals), 0, 120)
    other = "- 坚持教育优先发展\n- 加快建设健康洪洞\n- 强化各类保障服务"
    listed = Chunk("c2", "d", "d.txt", title, "洪洞县", 2024, [title, "(七) 坚持发展民生事业"],
                   other, 200, 200 + len(other))
    hits = [Hit(goal, 1.0, 1), Hit(listed, 0.5, 2)]
    units = candidate_units(hits, clause_min_chars=20)
    assert [u.text for u in units[:4]] == goals
    for u in units:
        u.p = 0.5 if "规模以上" in u.text else 0.1
    chosen = choose(units, analyze("洪洞县政府工作报告提出了哪些主要目标？"), 5, None, hits)
    assert [u.text for u in chosen] == goals


def test_a_sentence_naming_the_items_is_quoted_by_the_clauses_that_name_them() -> None:
    # A long sentence names three lists with 、; the answer quotes the one the question asks
    # about (the clause sharing its words), verbatim at its offsets, and it is the direct answer
    text = ("坚持以人民为中心，紧紧围绕抓好党建、守好底线、树好形象“三好思路”，"
            "瞄准打造文化旅游目的地、全国文明城市等“两大定位”，处理好发展与安全、当前与长远的关系。")
    hits = [_hit(text)]
    units = candidate_units(hits)
    units[0].p = 0.9
    query = analyze("洪洞说的“三好思路”是哪三好？")
    chosen = choose(units, query, 5, None, hits)
    assert chosen == units[:1]
    ans = compose(chosen, query, Decision(True, 0.9), hits)
    clause = "紧紧围绕抓好党建、守好底线、树好形象“三好思路”"
    assert ans.direct_answer == clause and ans.answer == f"据2024年资料，{clause}[1]"
    quote = ans.citations[0]
    assert text[quote.quote_start : quote.quote_end] == clause
    # items named over two clauses that both speak of the thing asked about: both quoted
    text = "以辛村富硒、龙马中药材2个特色小镇为示范，拓展打造了康养小镇、研学小镇。"
    hits = [_hit(text)]
    units = candidate_units(hits)
    units[0].p = 0.9
    ans = compose(units[:1], analyze("洪洞有哪几个特色小镇？"), Decision(True, 0.9), hits)
    assert ans.answer == f"据2024年资料，{text}[1]"


@pytest.mark.parametrize(("question", "is_list"), [
    ("政府自身建设要加强哪几个方面？", True), ("“五好思路”是哪五好？", True),
    ("绛县两会是哪几天开的？", False), ("哪几个月增长最快？", False), ("哪一个园区最大？", False),
])
def test_which_several_asks_for_a_list(question: str, is_list: bool) -> None:
    assert ("list" in analyze(question).intents) is is_list
