"""An optional model for briefings: any OpenAI-compatible chat endpoint the user runs
(llama.cpp server, Ollama, vLLM, LM Studio), configured by URL and model name.

The model rewrites extractive points in English and writes the Core Viewpoint from
them. Every sentence it returns must cite the numbered points (and so their passages);
:mod:`~mineralwatch.documents.grounding` rejects a sentence whose numbers, dates,
countries or minerals are not in the passages it cites, and the extractive point stays.
An endpoint that is down, slow or answers malformed JSON leaves the extractive briefing
with a note: never an error.

    mineralwatch brief cobalt --model-url http://127.0.0.1:8080/v1 --model gemma3-270m

Environment: ``MINERALWATCH_MODEL_URL``, ``MINERALWATCH_MODEL`` (the same settings).
"""

from __future__ import annotations

import json
import os
import re
import urllib.error
import urllib.request
from dataclasses import dataclass, replace
from typing import Any

from mineralwatch.documents.grounding import grounded
from mineralwatch.documents.points import Point

TIMEOUT_S = 60.0
MAX_POINTS = 16
SYSTEM = ("You rewrite analyst notes on critical minerals as short English sentences. "
          "Use only facts in the numbered notes. Keep every number, date, country and "
          "mineral exactly as written. Answer with JSON only.")


@dataclass(frozen=True)
class ChatModel:
    """Where the model is: ``url`` (``.../v1`` or the full ``.../chat/completions``)
    and the model's name."""

    url: str
    model: str
    timeout_s: float = TIMEOUT_S

    @classmethod
    def from_env(cls) -> ChatModel | None:
        """The model configured by ``MINERALWATCH_MODEL_URL`` / ``MINERALWATCH_MODEL``."""
        url = os.environ.get("MINERALWATCH_MODEL_URL")
        return cls(url, os.environ.get("MINERALWATCH_MODEL", "default")) if url else None

    @property
    def endpoint(self) -> str:
        """The chat-completions URL."""
        u = self.url.rstrip("/")
        return u if u.endswith("/chat/completions") else u + (
            "/chat/completions" if u.endswith("/v1") else "/v1/chat/completions")


class ModelError(Exception):
    """The endpoint failed: down, slow, HTTP error or an answer that is not the JSON
    asked for. Caught by :func:`rewrite`, which falls back to the extractive points."""


def complete(model: ChatModel, prompt: str) -> str:
    """The model's answer to ``prompt`` (one user message after :data:`SYSTEM`)."""
    body = json.dumps({"model": model.model, "temperature": 0, "max_tokens": 1500,
                       "messages": [{"role": "system", "content": SYSTEM},
                                    {"role": "user", "content": prompt}]}).encode()
    req = urllib.request.Request(model.endpoint, body,
                                 {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=model.timeout_s) as resp:
            data = json.loads(resp.read().decode("utf-8", "replace"))
    except TimeoutError as exc:
        raise ModelError(f"no answer within {model.timeout_s:g} s") from exc
    except urllib.error.HTTPError as exc:
        raise ModelError(f"HTTP {exc.code}") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise ModelError(f"unreachable ({getattr(exc, 'reason', exc)})") from exc
    except ValueError as exc:
        raise ModelError("the answer is not JSON") from exc
    try:
        return str(data["choices"][0]["message"]["content"])
    except (KeyError, IndexError, TypeError) as exc:
        raise ModelError("the answer has no choices[0].message.content") from exc


def prompt(topic: str, pts: list[Point]) -> str:
    """The request: numbered notes in, JSON out."""
    notes = "\n".join(f"[{n}] {p.text}" for n, p in enumerate(pts, 1))
    return (f"Topic: {topic}\nNotes:\n{notes}\n\n"
            'Return {"core": [{"text": "...", "cite": [n, ...]}], '
            '"points": [{"n": n, "text": "..."}]}: "core" is two sentences stating the '
            "main development, each citing the notes it uses; \"points\" gives each note "
            "as one English sentence.")


def _parse(answer: str) -> dict[str, Any]:
    m = re.search(r"\{.*\}", answer, re.S)  # models wrap JSON in prose or ``` fences
    if m is None:
        raise ModelError("the answer holds no JSON object")
    try:
        out = json.loads(m.group(0))
    except ValueError as exc:
        raise ModelError("the answer's JSON is malformed") from exc
    if not isinstance(out, dict):
        raise ModelError("the answer's JSON is not an object")
    return out


def rewrite(model: ChatModel, topic: str, core: list[Point], pts: list[Point],
            passages: dict[tuple[str, int], str]) -> tuple[list[Point], list[Point], list[str]]:
    """Generated core and points where grounded, else the extractive ones; and notes.

    ``core`` and ``pts`` are the extractive core and points (the model sees at most
    :data:`MAX_POINTS`, core first); ``passages`` the text of every cited passage.
    """
    everything = [*core, *pts]
    shown = everything[:MAX_POINTS]
    try:
        data = _parse(complete(model, prompt(topic, shown)))
    except ModelError as exc:
        return core, pts, [f"Model {model.model} at {model.url}: {exc}; extractive "
                           "briefing shown."]
    rejected = 0
    out_pts = list(everything)
    for item in data.get("points") or []:
        try:
            n, text = int(item["n"]), str(item["text"]).strip()
        except (KeyError, TypeError, ValueError):
            rejected += 1
            continue
        if not 1 <= n <= len(shown) or not text:
            rejected += 1
            continue
        src = shown[n - 1]
        ok, _ = grounded(text, [passages.get(c, "") for c in src.citations])
        if ok:
            out_pts[n - 1] = replace(src, text=text, language="en", generated=True,
                                     grounded=True, gloss=[])
        else:
            rejected += 1
    new_core = _core(data.get("core"), shown, passages)
    if new_core is None:
        rejected += 1
    notes = [f"Model {model.model}: {rejected} generated sentence(s) rejected by the "
             "grounding check; their extractive points are shown."] if rejected else []
    return new_core or out_pts[:len(core)], out_pts[len(core):], notes


def _core(items: Any, shown: list[Point], passages: dict[tuple[str, int], str]
          ) -> list[Point] | None:
    """Generated core sentences, all grounded in the passages they cite, or ``None``."""
    out = []
    for item in items if isinstance(items, list) else []:
        try:
            text = str(item["text"]).strip()
            cites = [int(n) for n in item["cite"] if 1 <= int(n) <= len(shown)]
        except (KeyError, TypeError, ValueError):
            return None
        cits = list(dict.fromkeys(c for n in cites for c in shown[n - 1].citations))
        if not text or not cits or not grounded(text, [passages.get(c, "") for c in cits])[0]:
            return None
        out.append(Point(text, cits, "en", True, True))
    return out or None


__all__ = ["SYSTEM", "TIMEOUT_S", "ChatModel", "ModelError", "complete", "prompt", "rewrite"]
