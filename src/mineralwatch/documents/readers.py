"""Readers of document files: text, Markdown, HTML, PDF and JSON Lines.

Each reader returns :class:`RawDocument` records (one per file, or one per JSON Lines
record) or raises :class:`~mineralwatch.errors.InputError` naming the file and line.
Nothing here touches the warehouse.

Size limit: a file larger than :data:`MAX_BYTES` (20 MiB) is refused with a clear
message; pass ``max_bytes`` to change it.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from mineralwatch.documents.language import detect_language
from mineralwatch.documents.segment import normalise_text
from mineralwatch.errors import EncodingError, Failure, InputError

#: Largest file accepted, in bytes (20 MiB). Larger files are refused, not truncated.
MAX_BYTES = 20 * 1024 * 1024
#: File suffixes read as documents.
SUFFIXES = {".txt": "text", ".md": "text", ".markdown": "text", ".html": "html",
            ".htm": "html", ".pdf": "pdf", ".jsonl": "jsonl", ".ndjson": "jsonl"}

_DATE = re.compile(r"\b(20\d{2}|19\d{2})[-/.年](\d{1,2})[-/.月](\d{1,2})日?")


@dataclass
class RawDocument:
    """A document as read from a file, before segmentation."""

    doc_id: str
    text: str
    path: str
    title: str | None = None
    url: str | None = None
    published: str | None = None
    language: str | None = None
    line: int | None = None  # JSON Lines record line
    meta: dict[str, Any] = field(default_factory=dict)


def decode(data: bytes, file: str) -> tuple[str, str]:
    """Decode bytes as UTF-8 (with or without BOM), UTF-16 (BOM) or GB18030/GBK.

    A file that mixes encodings line by line (UTF-8 lines and GBK lines) is decoded line
    by line. Returns the text and the encoding used; raises :class:`EncodingError` naming
    each line that no encoding reads.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    lines: list[str] = []
    used: set[str] = set()
    failures: list[Failure] = []
    for i, raw in enumerate(data.split(b"\n"), start=1):
        for enc in ("utf-8", "gb18030"):
            try:
                lines.append(raw.decode(enc))
                used.add(enc)
                break
            except UnicodeDecodeError:
                continue
        else:
            failures.append(Failure("bytes not valid in UTF-8 or GBK/GB18030", file=file,
                                    line=i, value=raw[:40]))
            lines.append("")
    if failures:
        raise EncodingError(f"Cannot decode {file}: {len(failures)} line(s) in an unknown "
                            "encoding.", failures, file=file,
                            hint="Save the file as UTF-8 (or GBK) and ingest it again.")
    return "\n".join(lines), "mixed" if len(used) > 1 else "gb18030"


def is_binary(data: bytes) -> bool:
    """True for data that is not text: NUL bytes or many control characters."""
    head = data[:8192]
    if b"\x00" in head:
        return True
    ctrl = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13, 27))
    return len(head) > 0 and ctrl / len(head) > 0.1


def find_date(text: str) -> str | None:
    """The first ISO-like date (2025-11-06, 2025/11/06, 2025年11月6日) in ``text``."""
    m = _DATE.search(text)
    if not m:
        return None
    y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    if not (1 <= mo <= 12 and 1 <= d <= 31):
        return None
    return f"{y:04d}-{mo:02d}-{d:02d}"


def _fail(file: str, message: str, hint: str, line: int | None = None,
          value: Any = None) -> InputError:
    return InputError(f"{file}: {message}", [Failure(message, file=file, line=line,
                                                     value=value)], file=file, hint=hint)


def _check_text(text: str, file: str) -> str:
    text = normalise_text(text)
    if not text.strip():
        raise _fail(file, "no text", "The file is empty or holds no readable text.")
    return text


def read_text_file(path: Path, data: bytes) -> list[RawDocument]:
    """A plain-text or Markdown file: one document; published = first date in its head."""
    file = str(path)
    if is_binary(data):
        raise _fail(file, "binary data, not text",
                    "Only .txt, .md, .html, .pdf and .jsonl files are read.")
    text, enc = decode(data, file)
    text = _check_text(text, file)
    first = next((ln.strip(" #") for ln in text.splitlines() if ln.strip()), None)
    return [RawDocument(path.name, text, file, title=first[:200] if first else None,
                        published=find_date(text[:600]), meta={"encoding": enc})]


class _MainText(HTMLParser):
    """Fallback HTML text extractor: paragraphs and headings, no scripts or navigation."""

    SKIP = frozenset({"script", "style", "nav", "footer", "header", "aside", "noscript", "form",
            "template", "svg"})
    BLOCK = frozenset({"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "tr", "br", "article",
             "section", "blockquote", "pre", "td", "th", "title"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0
        self.title: str | None = None
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self.skip += 1
        if tag == "title":
            self._in_title = True
        if tag in self.BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP and self.skip:
            self.skip -= 1
        if tag == "title":
            self._in_title = False
        if tag in self.BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title = (self.title or "") + data.strip()
            return
        if not self.skip:
            self.parts.append(data)

    def text(self) -> str:
        raw = "".join(self.parts)
        lines = [re.sub(r"[ \t\u00a0]+", " ", ln).strip() for ln in raw.split("\n")]
        return "\n".join(ln for ln in lines if ln)


def html_main_text(markup: str) -> tuple[str, str | None, str | None]:
    """Main text, title and date of an HTML page.

    trafilatura (boilerplate removal) when it finds a main text; else a tolerant
    stdlib parser that keeps paragraphs and headings and drops scripts and navigation.
    Malformed markup never raises here.
    """
    fallback = _MainText()
    try:
        fallback.feed(markup)
        fallback.close()
    except Exception:
        pass
    title, date = fallback.title, None
    try:
        import trafilatura

        text = trafilatura.extract(markup, include_comments=False, include_tables=True,
                                   favor_recall=True)
        meta = trafilatura.extract_metadata(markup)
        if meta is not None:
            title = meta.title or title
            date = meta.date
    except Exception:
        text = None
    if not text or len(text) < 0.3 * len(fallback.text()):
        text = fallback.text()
    return html.unescape(text), title, date


def read_html_file(path: Path, data: bytes) -> list[RawDocument]:
    """An HTML page: its main text as one document."""
    file = str(path)
    if is_binary(data):
        raise _fail(file, "binary data, not HTML", "Check that the file is an HTML page.")
    markup, enc = decode(data, file)
    text, title, date = html_main_text(markup)
    text = _check_text(text, file)
    return [RawDocument(path.name, text, file, title=title, published=date or find_date(
        text[:600]), meta={"encoding": enc})]


def read_pdf_file(path: Path, data: bytes) -> list[RawDocument]:
    """A PDF: the text of its pages (pypdf). Truncated or encrypted files are refused."""
    import io
    import logging

    from pypdf import PdfReader

    file = str(path)
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    if not data.lstrip().startswith(b"%PDF"):
        raise _fail(file, "not a PDF file (no %PDF header)", "Check the file.")
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise _fail(file, "encrypted PDF", "Decrypt the PDF first.")
        pages = [(p.extract_text() or "") for p in reader.pages]
        title = reader.metadata.title if reader.metadata else None
    except InputError:
        raise
    except Exception as exc:
        raise _fail(file, f"unreadable or truncated PDF ({type(exc).__name__}: {exc})",
                    "Re-download or re-export the PDF.") from exc
    text = "\n".join(pages)
    if not text.strip():
        raise _fail(file, "no extractable text (a scanned PDF?)",
                    "Run OCR on the PDF and ingest the text.")
    return [RawDocument(path.name, _check_text(text, file), file,
                        title=str(title) if title else None,
                        published=find_date(text[:600]))]


JSONL_FIELDS = ("id", "url", "title", "published", "language", "text")


def read_jsonl_file(path: Path, data: bytes) -> tuple[list[RawDocument], list[Failure]]:
    """JSON Lines records ``{id, url, title, published, language, text}``.

    Returns the good records and one :class:`Failure` per bad line (not JSON, no text,
    duplicate id): the good records are still ingested.
    """
    file = str(path)
    text, _ = decode(data, file)
    docs: list[RawDocument] = []
    failures: list[Failure] = []
    seen: set[str] = set()
    for i, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            failures.append(Failure(f"not valid JSON ({exc.msg}, column {exc.colno})",
                                    file=file, line=i, value=line[:60]))
            continue
        if not isinstance(rec, dict) or not str(rec.get("text") or "").strip():
            failures.append(Failure("record has no 'text'", file=file, line=i,
                                    value=line[:60]))
            continue
        doc_id = str(rec.get("id") or f"{path.name}:{i}")
        if doc_id in seen:
            failures.append(Failure("duplicate id", file=file, line=i, value=doc_id))
            continue
        seen.add(doc_id)
        lang = rec.get("language")
        body = normalise_text(str(rec["text"]))
        docs.append(RawDocument(
            doc_id, body, file, title=rec.get("title"), url=rec.get("url"),
            published=_iso_date(rec.get("published")) or find_date(body[:600]),
            language=lang if lang in ("en", "zh") else None, line=i))
    return docs, failures


def _iso_date(value: Any) -> str | None:
    if value in (None, ""):
        return None
    return find_date(str(value)) or (str(value)[:10] if re.match(r"\d{4}-\d{2}-\d{2}",
                                                                 str(value)) else None)


def read_file(path: str | Path, *, max_bytes: int = MAX_BYTES
              ) -> tuple[list[RawDocument], list[Failure]]:
    """Read one document file of any supported type.

    Returns
    -------
    documents, failures
        the documents read and, for JSON Lines, the failures of single bad lines.

    Raises
    ------
    InputError
        when the file as a whole cannot be read (missing, too large, empty, binary,
        unknown type, truncated PDF, undecodable text).
    """
    p = Path(path)
    file = str(p)
    if not p.is_file():
        raise _fail(file, "file not found", "Check the path.")
    kind = SUFFIXES.get(p.suffix.lower())
    if kind is None:
        raise _fail(file, f"unsupported file type {p.suffix!r}",
                    f"Supported: {', '.join(sorted(SUFFIXES))}.")
    size = p.stat().st_size
    if size > max_bytes:
        raise _fail(file, f"file too large ({size:,} bytes > limit {max_bytes:,})",
                    "Split the file, or raise the limit with --max-mb.")
    data = p.read_bytes()
    if not data.strip():
        raise _fail(file, "empty file", "Remove the file or give it text.")
    if kind == "jsonl":
        return read_jsonl_file(p, data)
    reader = {"text": read_text_file, "html": read_html_file, "pdf": read_pdf_file}[kind]
    docs = reader(p, data)
    for d in docs:
        d.language = d.language or detect_language(d.text)
    return docs, []


__all__ = ["JSONL_FIELDS", "MAX_BYTES", "SUFFIXES", "RawDocument", "decode", "find_date",
           "html_main_text", "is_binary", "read_file", "read_jsonl_file"]
