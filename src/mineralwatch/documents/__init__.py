"""Documents: ingest, bilingual search, extraction of figures and policy events, briefings.

The public entry points are on the package (``mw.ingest_documents``, ``mw.search``,
``mw.extract``, ``mw.claims``, ``mw.brief``); the modules, by concept:

- ``readers`` files (txt, md, html, pdf, jsonl) -> text; ``language``; ``segment``
  (passages, sentences, near-duplicates); ``ingest`` and ``store`` (warehouse writes);
- ``tokenize``, ``bm25``, ``search``, ``semantic`` (optional encoder); ``glossary`` and
  ``lexicon`` (bilingual concepts and their mentions);
- ``extract`` (``quantities``, ``events``, ``companies``); ``claims``; ``brief``;
  ``evaluate`` (scores on the labelled set in ``data/eval``).

See ``docs/documents.md``.
"""
