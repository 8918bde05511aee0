"""Uploads staged, checked and moved into the corpus folder atomically; documents removed."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rag.corpus.budgets import check_document, check_file
from rag.exceptions import DocumentExistsError, DocumentNotFoundError
from rag.kb.manifest_edit import drop_entry
from rag.kb.names import safe_name

if TYPE_CHECKING:
    from rag.corpus.models import Document
    from rag.settings import Settings

__all__ = ["StagedFile", "commit_staged", "find_stored", "remove_document", "stage_files",
           "staging_dir"]

_STALE_S = 3600.0  # a staging folder this old belongs to no running upload


@dataclass
class StagedFile:
    """A checked file waiting in the staging folder, and what it parsed into."""

    name: str  # the safe name it will be stored under
    path: Path  # where it waits
    chars: int  # characters of normalised text (the trial load)
    replaces: bool  # a stored file of that name is replaced


def staging_dir(settings: Settings) -> Path:
    """A fresh hidden folder inside the corpus folder (same disk: the final move is a rename).

    The corpus loader skips hidden entries, so a half-written upload is never indexed.
    """
    corpus = Path(settings.corpus_dir)
    corpus.mkdir(parents=True, exist_ok=True)
    for old in corpus.glob(".upload-*"):  # left by a crash mid-upload: gone after an hour
        try:
            if time.time() - old.stat().st_mtime > _STALE_S:
                shutil.rmtree(old, ignore_errors=True)
        except OSError:
            continue
    return Path(tempfile.mkdtemp(prefix=".upload-", dir=corpus))


def stage_files(
    files: list[tuple[str, Path]], settings: Settings, replace: bool = False
) -> list[StagedFile]:
    """Check every (client name, temp path) pair; nothing is stored unless all pass.

    Each file gets a safe name, passes `check_file` (size, type by content, zip bombs,
    HTML shape) and a trial load (it must parse into text). A name already in the
    corpus is refused unless `replace`.

    Raises:
        DocumentLoadError (or a subclass): a file breaks a rule; the message names it.
        DocumentExistsError: a stored file has that name and `replace` is false.

    Example:
        >>> files = [("a.txt", Path("/tmp/up/a.txt"))]
        >>> staged = stage_files(files, get_settings())  # doctest: +SKIP
    """
    from rag.corpus.manifest import ManifestEntry
    from rag.corpus.pipeline import load_document

    corpus = Path(settings.corpus_dir)
    staged: list[StagedFile] = []
    seen: set[str] = set()
    for client_name, path in files:
        name = safe_name(client_name)
        if name.lower() in seen:
            raise DocumentExistsError(
                f"同一请求中文件名重复：{name} (the same name twice in one request: {name})")
        seen.add(name.lower())
        check_file(path, settings, name=name)
        trial = path if path.name == name else _renamed(path, name)
        doc: Document = load_document(trial, entry=ManifestEntry(title=name))
        check_document(doc, settings, name=name)
        exists = (corpus / name).exists()
        twin = _same_stem(corpus, name)
        if twin:
            raise DocumentExistsError(
                f"已有文档 id 相同的文件：{twin}（{name} 会改变它的 id），请换个文件名 "
                f"({name} would share the document id of {twin}: rename it)"
            )
        if exists and not replace:
            raise DocumentExistsError(
                f"已有同名文件：{name}；要替换请加 replace=true (--replace) "
                f"(a document named {name} exists; send replace=true to overwrite it)"
            )
        staged.append(StagedFile(name=name, path=trial, chars=len(doc.text), replaces=exists))
    return staged


def _same_stem(corpus: Path, name: str) -> str | None:
    """Another stored document whose id (the file stem) `name` would take over."""
    stem = Path(name).stem
    if not corpus.is_dir():
        return None
    for p in corpus.iterdir():
        if p.name != name and p.stem == stem and p.is_file() and not p.name.startswith("."):
            return p.name
    return None


def _renamed(path: Path, name: str) -> Path:
    target = path.with_name(name)
    os.replace(path, target)
    return target


def commit_staged(staged: list[StagedFile], settings: Settings) -> list[str]:
    """Move staged files into the corpus folder (one atomic rename each); their names."""
    corpus = Path(settings.corpus_dir)
    for item in staged:
        os.replace(item.path, corpus / item.name)
    return [s.name for s in staged]


def find_stored(doc_id: str, settings: Settings, sources: dict[str, str]) -> str | None:
    """The corpus file name of `doc_id`: an indexed document's source (from `sources`, doc
    id -> source), else a stored file named `doc_id` or with that stem."""
    if doc_id in sources:
        return sources[doc_id]
    if doc_id in sources.values():
        return doc_id
    corpus = Path(settings.corpus_dir)
    try:
        name = safe_name(doc_id)
    except Exception:
        name = ""
    if name and (corpus / name).is_file():
        return name
    if corpus.is_dir() and "/" not in doc_id and "\\" not in doc_id and ".." not in doc_id:
        for p in sorted(corpus.iterdir()):
            if p.is_file() and p.stem == doc_id and not p.name.startswith("."):
                return p.name
    return None


def remove_document(source: str, settings: Settings, indexed: bool) -> bool:
    """Delete `source` from the corpus folder and its manifest entry; whether a file went.

    Raises:
        DocumentNotFoundError: neither a stored file nor an indexed document.
    """
    corpus = Path(settings.corpus_dir)
    path = corpus / safe_name(source)
    existed = path.is_file()
    if not existed and not indexed:
        raise DocumentNotFoundError(f"没有这个文档：{source} (unknown document)")
    if existed:
        path.unlink()
    drop_entry(corpus, source)
    return existed


def discard(folder: Path) -> None:
    """Remove a staging folder and whatever is left in it."""
    shutil.rmtree(folder, ignore_errors=True)
