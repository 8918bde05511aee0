"""Request and response models of the OpenAI-compatible interface (/v1)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag

from rag.api.schemas import CitationOut, Filters, Text

__all__ = [
    "ChatChoice",
    "ChatCompletion",
    "ChatCompletionRequest",
    "ChatMessageIn",
    "ChatMessageOut",
    "ContentPart",
    "ModelCard",
    "ModelList",
    "OpenAIError",
    "OpenAIErrorResponse",
    "RagExtra",
    "StreamOptions",
    "UNION_TAGS",
    "Usage",
]

# Strict types, as OpenAI checks them ("5" is not a number); unknown fields are ignored
_STRICT_OPEN = ConfigDict(extra="allow", strict=True)
# The tags of `content`'s two forms; they appear in error locations and are left out of `param`
UNION_TAGS = ("as-text", "as-parts")


class ContentPart(BaseModel):
    """One part of a multi-part message; only `text` parts are read."""

    model_config = _STRICT_OPEN

    type: str
    text: Text | None = None


def _content_form(value: Any) -> str | None:
    # Which form `content` takes: one error for the form sent, not one per form
    return UNION_TAGS[0] if isinstance(value, str) else UNION_TAGS[1] if isinstance(
        value, list) else None


# A message's content: text, or a list of parts (lone surrogates refused in either)
Content = Annotated[
    Annotated[Text, Tag(UNION_TAGS[0])] | Annotated[list[ContentPart], Tag(UNION_TAGS[1])],
    Discriminator(_content_form, custom_error_type="content_type",
                  custom_error_message="必须是文本或内容片段列表 (must be a string or a list "
                                       "of content parts)"),
]


class ChatMessageIn(BaseModel):
    """One chat message. System, developer and tool messages are accepted and not used."""

    model_config = _STRICT_OPEN

    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: Content | None = None
    name: Text | None = None

    def text(self) -> str:
        """The message's text (text parts joined).

        Example:
            >>> ChatMessageIn(role="user", content=[{"type": "text", "text": "你好"}]).text()
            '你好'
        """
        if isinstance(self.content, str):
            return self.content
        return "".join(p.text or "" for p in self.content or [] if p.type == "text")


class StreamOptions(BaseModel):
    """`stream_options`: `include_usage` adds a last chunk carrying `usage`."""

    model_config = _STRICT_OPEN

    include_usage: bool = False


class ChatCompletionRequest(BaseModel):
    """`POST /v1/chat/completions`. Sampling fields are accepted and ignored (answers are
    quoted, not sampled); unknown fields are ignored, as OpenAI-compatible servers do.
    Types are strict and text must be valid Unicode (a lone surrogate is a 400).

    Example:
        >>> msg = {"role": "user", "content": "龙马物流园进展如何？"}
        >>> r = ChatCompletionRequest(model="govdoc-rag", messages=[msg])
        >>> r.stream, r.n
        (False, 1)
    """

    model_config = _STRICT_OPEN

    model: Text = Field(
        ..., description="模型名，即知识库 (the knowledge base)", examples=["govdoc-rag"]
    )
    messages: list[ChatMessageIn] = Field(
        ..., description="对话；最后一条用户消息是问题 (the last user message is the question)"
    )
    stream: bool = False
    stream_options: StreamOptions | None = None
    n: int = Field(1, description="只支持 1 (only 1 choice)")
    filters: Filters | None = Field(
        None, description="元数据筛选 {county, year, source} (SDK: extra_body)"
    )
    top_k: int | None = Field(None, description="检索段落数 (passages to retrieve)")
    metadata: dict[str, Any] | None = Field(
        None, description="可含 filters（对象或 JSON 字符串）(may hold `filters`)"
    )
    # Accepted and ignored
    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    max_completion_tokens: int | None = None
    presence_penalty: float | None = None
    frequency_penalty: float | None = None
    stop: str | list[str] | None = None
    seed: int | None = None
    user: str | None = None
    logprobs: bool | None = None
    top_logprobs: int | None = None


class ModelCard(BaseModel):
    """One model: the knowledge base."""

    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str


class ModelList(BaseModel):
    """`GET /v1/models`."""

    object: Literal["list"] = "list"
    data: list[ModelCard]


class ChatMessageOut(BaseModel):
    """The reply: `content` is Markdown (answer with [n], then the sources); `citations`
    are the structured citations `/ask` returns."""

    role: Literal["assistant"] = "assistant"
    content: str
    refusal: str | None = None
    citations: list[CitationOut] = Field(default_factory=list)


class ChatChoice(BaseModel):
    """The single choice."""

    index: int = 0
    message: ChatMessageOut
    finish_reason: Literal["stop"] = "stop"
    logprobs: None = None


class Usage(BaseModel):
    """Counted in characters (Unicode code points), not model tokens."""

    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class RagExtra(BaseModel):
    """What the answer says about itself (fields of `/ask`)."""

    answerable: bool
    direct_answer: str = ""
    confidence: float = 0.0
    rewritten_question: str | None = None
    notes: list[str] = Field(default_factory=list)
    timings_ms: dict[str, float] = Field(default_factory=dict)


class ChatCompletion(BaseModel):
    """A `chat.completion` object, plus `rag`."""

    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[ChatChoice]
    usage: Usage
    system_fingerprint: str | None = None
    rag: RagExtra


class OpenAIError(BaseModel):
    """The error object of the OpenAI API."""

    message: str
    type: str
    param: str | None = None
    code: str | None = None


class OpenAIErrorResponse(BaseModel):
    """Every /v1 error body: `{"error": {"message", "type", "param", "code"}}`."""

    error: OpenAIError
