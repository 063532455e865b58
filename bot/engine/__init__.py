"""The answering engine: article files to an index to cited, verbatim answers; no discord.

The pipeline, step by step: `corpus` (files to articles), `text` (sentences and words),
`chunking` (passages), `pipeline` and `store` (processing on every core, the mapped
store), `index` and `scoring` (rank-bm25's model), `query`, `context` and `wordnet` (what a
question asks), `answer` (quotes and sources). Adding articles: `fetch`, `extract`,
`intake`; changing the corpus folder: `changes`, which records each change in `history`.
"""
