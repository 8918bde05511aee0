"""Index a SQuAD-style file's paragraphs as a corpus (one .txt per paragraph), cached."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from rag.index.hybrid import HybridIndex
from rag.settings import Settings

CACHE = Path(__file__).resolve().parents[2] / ".cache" / "train"


def cmrc_index(path: Path, settings: Settings) -> HybridIndex:
    from rag.index.build import build_index

    raw = path.read_bytes()
    key = hashlib.sha1(raw).hexdigest()[:12]
    root = CACHE / f"{path.stem}-{key}"
    corpus = root / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    for art in json.loads(raw)["data"]:
        for p in art["paragraphs"]:
            f = corpus / f"{p['id']}.txt"
            if not f.exists():
                title = art.get("title") or p["id"]
                f.write_text(f"{title}\n\n{p['context']}\n", encoding="utf-8")
    s = settings.model_copy(update={"corpus_dir": corpus, "index_dir": root / "index"})
    build_index(s, progress=True)
    return HybridIndex.load(s)
