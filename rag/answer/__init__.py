"""Cited answers: rewrite follow-ups, score the evidence, decide, quote (or generate) with [n].

The stage is one line, a file per step, each taking the previous step's record:
`query` (what is asked) → `candidates` (quotable units) → `features` → `scorer` (the unit
model) → `decision` (hard checks, then the answerability model's `confidence`) → `compose`
(direct answer from `span`, then supporting quotes; whole lists from `lists`). `read` runs
features, models and decision over a set of units; `pipeline` runs it all; `rewrite`
resolves follow-ups first; `generate`/`llm` are the optional LLM path, every sentence checked.

Public API: `rag.answer.pipeline.answer_question(...) -> Answer`,
`rag.answer.pipeline.stream_answer(...)` (events), `rag.answer.pipeline.warm_up(index)`,
`rag.answer.llm.ChatClient` (OpenAI-compatible, optional) and
`rag.answer.pipeline.ExtractiveAnswerer` (the `Answerer` protocol over given hits).
Modules are imported lazily by their users: importing this package loads nothing heavy.
"""
