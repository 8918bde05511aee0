"""Cited answers: rewrite follow-ups, judge the evidence, quote (or generate) with [n].

Public API: `rag.answer.pipeline.answer_question(...) -> Answer`,
`rag.answer.pipeline.stream_answer(...)` (events), `rag.answer.pipeline.warm_up(index)`,
`rag.answer.llm.ChatClient` (OpenAI-compatible, optional) and
`rag.answer.pipeline.ExtractiveAnswerer` (the `Answerer` protocol over given hits).
Modules are imported lazily by their users: importing this package loads nothing heavy.
"""
