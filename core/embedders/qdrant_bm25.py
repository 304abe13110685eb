"""`qdrant_bm25`: Qdrant's server-side ``Qdrant/bm25`` model, reproduced token for token.

A Qdrant `Document` with ``model: "qdrant/bm25"`` (any case) is embedded here the way
Qdrant 1.15.2 - 1.19 embeds it (`src/common/inference/bm25.rs` over `lib/segment`'s
full-text tokenizer), so vectors made by Vectorizer and by Qdrant are interchangeable:

1. tokenise (`tokenizer`): ``word`` splits on every character that is not alphanumeric,
   ``whitespace`` on Unicode white space, ``prefix`` like ``word`` but truncating each
   token to `max_token_len` characters (and keeping stop words: Qdrant's query path);
2. per token: lowercase (`lowercase`, default true), drop stop words (`stopwords`,
   default: those of `language`), stem (`stemmer`, default: Snowball for `language`),
   drop it when shorter than `min_token_len` or longer than `max_token_len` characters;
3. token id: MurmurHash3 (x86, 32-bit, seed 0) of the token's UTF-8 bytes, read as a
   signed 32-bit integer, absolute value;
4. a document gets ``tf * (k + 1) / (tf + k * (1 - b + b * len / avg_len))`` per distinct
   token (``len``: its number of tokens); a query gets 1 per distinct token. The IDF is
   the collection's (``modifier: idf`` on the sparse vector).

Stemming is `py-rust-stemmers`: the Python binding of the `rust-stemmers` crate that
Qdrant itself links. `language` defaults to English, whose stop words are the list below;
unknown languages (the deprecated ``"none"``) turn stop words and stemming off.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from vectorizer.embedders.base import Embedder, Embeddings, Output
from vectorizer.embedders.params import Param, boolean, choice, integer, nullable, number
from vectorizer.errors import Unsupported
from vectorizer.models import SparseVector

_LANGUAGE_NAMES = (
    "arabic azerbaijani basque bengali catalan chinese danish dutch english finnish french "
    "german greek hebrew hinglish hungarian indonesian italian japanese kazakh nepali "
    "norwegian portuguese romanian russian slovene spanish swedish tajik turkish"
)
LANGUAGES = frozenset(_LANGUAGE_NAMES.split())
"""Qdrant's stop word languages (its `Language` enum)."""

_SNOWBALL_NAMES = (
    "arabic armenian danish dutch english finnish french german greek hungarian italian "
    "norwegian portuguese romanian russian spanish swedish tamil turkish"
)
SNOWBALL_LANGUAGES = frozenset(_SNOWBALL_NAMES.split())
"""Qdrant's Snowball stemmer languages (its `SnowballLanguage` enum)."""

_ENGLISH = """i me my myself we our ours ourselves you you're you've you'll you'd your yours
    yourself yourselves he him his himself she she's her hers herself it it's its itself
    they them their theirs themselves what which who whom this that that'll these those
    am is are was were be been being have has had having do does did doing a an the and
    but if or because as until while of at by for with about against between into
    through during before after above below to from up down in out on off over under
    again further then once here there when where why how all any both each few more most
    other some such no nor not only own same so than too very s t can will just don
    don't should should've now d ll m o re ve y ain aren aren't couldn couldn't didn
    didn't doesn doesn't hadn hadn't hasn hasn't haven haven't isn isn't ma mightn
    mightn't mustn mustn't needn needn't shan shan't shouldn shouldn't wasn wasn't weren
    weren't won won't wouldn wouldn't"""
ENGLISH_STOPWORDS = frozenset(_ENGLISH.split())
"""The English stop words of Qdrant's full-text index and BM25 (NLTK's English list)."""

STOPWORDS = {"english": ENGLISH_STOPWORDS}
"""Stop word lists built in; Qdrant's other languages answer 501 (not built)."""

_WHITESPACE = re.compile(
    "[\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+"
)
"""Unicode `White_Space` (Rust's `split_whitespace`; Python's `str.split` adds \\x1c-\\x1f)."""

_NOT_ALNUM = re.compile(r"[\W_]")


def _stopwords_param(value: Any) -> Any:
    """A language name, or ``{"languages": [...], "custom": [...]}``."""
    if isinstance(value, str):
        if value not in LANGUAGES:
            raise ValueError("expected a language of " + ", ".join(sorted(LANGUAGES)))
        return value
    if isinstance(value, dict) and set(value) <= {"languages", "custom"}:
        languages = value.get("languages") or []
        custom = value.get("custom") or []
        if (
            isinstance(languages, list)
            and isinstance(custom, list)
            and all(isinstance(lang, str) and lang in LANGUAGES for lang in languages)
            and all(isinstance(word, str) for word in custom)
        ):
            return {"languages": sorted(set(languages)), "custom": sorted(set(custom))}
    raise ValueError('expected a language or {"languages": [...], "custom": [...]}')


def _stemmer_param(value: Any) -> Any:
    """``{"type": "none"}`` or ``{"type": "snowball", "language": ...}``."""
    if isinstance(value, dict):
        if value == {"type": "none"}:
            return value
        if (
            set(value) == {"type", "language"}
            and value["type"] == "snowball"
            and value["language"] in SNOWBALL_LANGUAGES
        ):
            return dict(value)
    raise ValueError(
        'expected {"type": "none"} or {"type": "snowball", "language": L} with L one of '
        + ", ".join(sorted(SNOWBALL_LANGUAGES))
    )


def _language_param(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("expected a language name")
    return value


_POSITIVE = number(0.0, lo_open=True)
_TOKENIZERS = choice("word", "whitespace", "prefix", "multilingual")
_LANGUAGE = nullable(_language_param)
_STOPWORDS = nullable(_stopwords_param)


def token_id(token: str) -> int:
    """Qdrant's BM25 token id: |murmur3_32(utf-8 bytes, seed 0) as i32|."""
    import mmh3

    return abs(mmh3.hash(token.encode("utf-8"), 0, signed=True))


class QdrantBm25Embedder(Embedder):
    """Qdrant's ``Qdrant/bm25`` (sparse; IDF from the collection's ``modifier: idf``).

    Needs no fitting. Parameters are the `options` of Qdrant's `Document` (`Bm25Config`):

    | parameter | default | meaning |
    |---|---|---|
    | `k` | `1.2` | term frequency saturation |
    | `b` | `0.75` | document length normalisation (0: none, 1: full) |
    | `avg_len` | `256` | expected average document length, in tokens |
    | `tokenizer` | `"word"` | `word`, `whitespace` or `prefix` |
    | `language` | `null` | stop words and stemmer default for it (null: English) |
    | `lowercase` | `null` | lowercase tokens (null: true) |
    | `ascii_folding` | `null` | fold accents to ASCII (only false is built) |
    | `stopwords` | `null` | a language, or `{"languages": [...], "custom": [...]}` |
    | `stemmer` | `null` | `{"type": "none"}` or `{"type": "snowball", "language": L}` |
    | `min_token_len` | `null` | drop shorter tokens (characters, after stemming) |
    | `max_token_len` | `null` | drop longer tokens (`prefix`: truncate to it) |
    """

    kind = "qdrant_bm25"
    description = (
        "Qdrant's server-side `Qdrant/bm25` model: its tokenizer, stop words, stemmer "
        "and term weights (sparse)"
    )
    PARAMS = (
        Param("k", 1.2, "term frequency saturation", number(0.0)),
        Param("b", 0.75, "document length normalisation (0: none, 1: full)", number(0.0, 1.0)),
        Param("avg_len", 256.0, "expected average document length (tokens)", _POSITIVE),
        Param("tokenizer", "word", "`word`, `whitespace` or `prefix`", _TOKENIZERS),
        Param("language", None, "stop words and stemmer (null: English)", _LANGUAGE),
        Param("lowercase", None, "lowercase tokens (null: true)", nullable(boolean)),
        Param("ascii_folding", None, "fold accented characters to ASCII", nullable(boolean)),
        Param("stopwords", None, "a language, or languages and custom words", _STOPWORDS),
        Param("stemmer", None, "Snowball for a language, or none", nullable(_stemmer_param)),
        Param("min_token_len", None, "minimum token length (characters)", nullable(integer(0))),
        Param("max_token_len", None, "maximum token length (characters)", nullable(integer(0))),
    )

    def __init__(self, params: dict[str, Any]) -> None:
        super().__init__(params)
        if params["tokenizer"] == "multilingual":
            raise Unsupported("Qdrant/bm25 option `tokenizer: multilingual`")
        if params["ascii_folding"]:
            raise Unsupported("Qdrant/bm25 option `ascii_folding: true`")
        language = params["language"] if params["language"] is not None else "english"
        self._lowercase: bool = params["lowercase"] is not False
        self._stopwords = self._stopword_set(params["stopwords"], language)
        self._stem = self._stemmer(params["stemmer"], language)
        self._min_len: int | None = params["min_token_len"]
        self._max_len: int | None = params["max_token_len"]

    def _stopword_set(self, option: Any, language: str) -> frozenset[str]:
        if option is None:  # the language's list, when it is one Qdrant knows
            languages: list[str] = [language] if language in LANGUAGES else []
            custom: list[str] = []
        elif isinstance(option, str):
            languages, custom = [option], []
        else:
            languages, custom = option["languages"], option["custom"]
        words: set[str] = set(custom)
        for lang in languages:
            if lang not in STOPWORDS:
                raise Unsupported(f"Qdrant/bm25 stop words for language `{lang}`")
            words |= STOPWORDS[lang]
        if self._lowercase:
            words = {w.lower() for w in words}
        return frozenset(words)

    @staticmethod
    def _stemmer(option: Any, language: str) -> Callable[[str], str] | None:
        if option is None:
            stem_language = language if language in SNOWBALL_LANGUAGES else None
        elif option["type"] == "none":
            stem_language = None
        else:
            stem_language = option["language"]
        if stem_language is None:
            return None
        import py_rust_stemmers

        try:
            stemmer = py_rust_stemmers.SnowballStemmer(stem_language)
        except ValueError:
            raise Unsupported(f"Qdrant/bm25 Snowball stemmer for `{stem_language}`") from None
        stem: Callable[[str], str] = stemmer.stem_word
        return stem

    @property
    def output(self) -> Output:
        return "sparse"

    # ------------------------------------------------------------------ tokens

    def tokens(self, text: str) -> list[str]:
        """The tokens Qdrant embeds for `text` (the same for documents and queries)."""
        if self.params["tokenizer"] == "prefix":
            return list(self._prefix_tokens(text))
        words = (
            _WHITESPACE.split(text) if self.params["tokenizer"] == "whitespace" else _words(text)
        )
        out = []
        for word in words:
            if not word:
                continue
            token = word.lower() if self._lowercase else word
            if token in self._stopwords:
                continue
            if self._stem is not None:
                token = self._stem(token)
            if self._min_len is not None and len(token) < self._min_len:
                continue
            if self._max_len is not None and len(token) > self._max_len:
                continue
            out.append(token)
        return out

    def _prefix_tokens(self, text: str) -> Iterator[str]:
        """Qdrant's prefix query tokens: no stop words, truncated to `max_token_len`."""
        for word in _words(text):
            if not word:
                continue
            token = word.lower() if self._lowercase else word
            if self._stem is not None:
                token = self._stem(token)
            if self._min_len is not None and len(token) < self._min_len:
                continue
            yield token if self._max_len is None else token[: self._max_len]

    # ------------------------------------------------------------------ vectors

    def _embed(self, texts: list[str], *, query: bool) -> Embeddings:
        return [self._vector(self.tokens(text), query=query) for text in texts]

    def _vector(self, tokens: list[str], *, query: bool) -> SparseVector:
        counts: dict[str, int] = {}
        for token in tokens:
            counts[token] = counts.get(token, 0) + 1
        weights: dict[int, float] = {}
        k, b, avg_len = self.params["k"], self.params["b"], self.params["avg_len"]
        damping = k * (1.0 - b + b * len(tokens) / avg_len)
        for token, tf in counts.items():
            weights[token_id(token)] = 1.0 if query else tf * (k + 1.0) / (damping + tf)
        ids = sorted(weights)
        return SparseVector(
            np.asarray(ids, dtype=np.uint32),
            np.asarray([weights[i] for i in ids], dtype=np.float32),
        )


def _words(text: str) -> list[str]:
    """`text` split on every character that is not alphanumeric (Rust's `char`
    `is_alphanumeric`; Python's `isalnum`, which `[\\W_]` negates, differs from it only on
    a few combining marks)."""
    return _NOT_ALNUM.split(text)
