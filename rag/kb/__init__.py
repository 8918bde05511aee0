"""The knowledge base managed without a shell: store uploads safely, edit metadata, index jobs.

Example:
    >>> from rag.kb import safe_name
    >>> safe_name("报告.docx")
    '报告.docx'
"""

from __future__ import annotations

from rag.kb.catalogue import catalogue
from rag.kb.jobs import Job, JobQueue
from rag.kb.manifest_edit import drop_entry, set_entry
from rag.kb.names import safe_name
from rag.kb.store import (
    StagedFile,
    commit_staged,
    find_stored,
    remove_document,
    stage_files,
    staging_dir,
)

__all__ = [
    "Job",
    "JobQueue",
    "StagedFile",
    "catalogue",
    "commit_staged",
    "drop_entry",
    "find_stored",
    "remove_document",
    "safe_name",
    "set_entry",
    "stage_files",
    "staging_dir",
]
