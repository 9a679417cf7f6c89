"""Documents: ingest, bilingual search, extraction of figures and policy events, briefings."""
