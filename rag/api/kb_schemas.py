"""Request and response models of the knowledge-base routes (upload, delete, edit, jobs)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["ChunkOut", "ChunksResponse", "DeleteResponse", "JobError", "JobOut", "JobsResponse",
           "PatchRequest", "PatchResponse", "UploadResponse", "UploadedFile"]


class JobError(BaseModel):
    """One file an indexing job could not load, and why."""

    file: str
    message: str


class JobOut(BaseModel):
    """An indexing job: state, progress of the embedding, errors per file."""

    id: str
    kind: str = Field(..., description="add, remove, update or index")
    files: list[str]
    state: str = Field(..., description="queued, running, done or failed")
    phase: str = Field("", description="loading, embedding or swapping while running")
    chunks_done: int
    chunks_total: int
    errors: list[JobError]
    summary: str
    created_at: float
    started_at: float | None
    finished_at: float | None


class JobsResponse(BaseModel):
    """Recent jobs, newest first."""

    jobs: list[JobOut]


class UploadedFile(BaseModel):
    """A stored upload."""

    name: str
    chars: int
    replaced: bool


class UploadResponse(BaseModel):
    """What was stored, and the job that indexes it (poll `GET /jobs/{id}`)."""

    files: list[UploadedFile]
    job: JobOut


class DeleteResponse(BaseModel):
    """The document removed, and the job that drops it from the index."""

    doc_id: str
    source: str
    file_removed: bool
    job: JobOut


class PatchRequest(BaseModel):
    """Metadata to set; omitted fields stay, null or "" clears a field (the guess applies).

    Example:
        >>> PatchRequest(county="绛县").model_dump(exclude_unset=True)
        {'county': '绛县'}
    """

    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(None, max_length=200)
    county: str | None = Field(None, max_length=50)
    year: int | None = Field(None, ge=1900, le=2100)
    kind: str | None = Field(None, max_length=50)


class PatchResponse(BaseModel):
    """The manifest entry as stored, and the job that re-indexes the document."""

    doc_id: str
    source: str
    entry: dict[str, str | int]
    job: JobOut


class ChunkOut(BaseModel):
    """One chunk of a document: where it sits and how long it is."""

    id: str
    ordinal: int
    heading_path: list[str]
    chars: int
    start: int
    end: int
    text: str


class ChunksResponse(BaseModel):
    """How a document was cut."""

    doc_id: str
    source: str
    title: str
    count: int
    chunks: list[ChunkOut]
