"""Qdrant's full-text tokenizers (v1.14): word, whitespace, prefix and multilingual.

A tokenizer splits a text into words, drops the ones outside the configured lengths and
lowercases the rest (``lowercase`` defaults to true). Length limits follow Qdrant
exactly: a token is too short when its UTF-8 byte length is below ``min_token_len``,
too long when its character count exceeds ``max_token_len``; the check runs before
lowercasing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

TOKENIZERS = ("word", "whitespace", "prefix", "multilingual")

# Runs of alphanumeric characters (Python's `str.isalnum`, close to Rust's
# `char::is_alphanumeric`; Rust also counts combining marks that carry the
# Other_Alphabetic property, such as Indic vowel signs, as alphanumeric).
_WORD = re.compile(r"[^\W_]+")


def word_split(text: str) -> list[str]:
    """Split on every non-alphanumeric character, as Qdrant's word tokenizer does."""
    return _WORD.findall(text)


def _prefixes(words: Iterable[str], min_ngram: int, max_ngram: int | None) -> Iterable[str]:
    """Each word's prefixes of min_ngram..max_ngram characters; the whole word when shorter."""
    for word in words:
        n = min_ngram
        while max_ngram is None or n <= max_ngram:
            if n < len(word):
                yield word[:n]
                n += 1
            else:
                yield word
                break


def _truncated(words: Iterable[str], max_ngram: int | None) -> Iterable[str]:
    for word in words:
        yield word if max_ngram is None else word[:max_ngram]


def make_tokenizer(params: Mapping[str, Any], *, query: bool = False) -> Callable[[str], list[str]]:
    """A function from text to its tokens, for a text index's params.

    ``query=True`` gives the query-side tokenizer, which differs only for ``prefix``:
    documents index every prefix of each word (from ``min_token_len`` characters, default
    1, up to ``max_token_len``), while a query keeps each word whole (cut to
    ``max_token_len`` characters), so ``"hel"`` finds documents containing ``"hello"``.

    ``multilingual`` is an approximation of Qdrant's (charabia's) segmenter: a
    Unicode-aware word split, always lowercased as charabia's normalizer does. Scripts
    written without spaces (Chinese, Japanese, Thai) are not segmented into words.
    """
    kind = params.get("tokenizer") or "word"
    if kind not in TOKENIZERS:
        raise ValueError(f"unknown tokenizer {kind!r}")
    lowercase = params.get("lowercase")
    lowercase = True if lowercase is None or kind == "multilingual" else bool(lowercase)
    min_len: int | None = params.get("min_token_len")
    max_len: int | None = params.get("max_token_len")

    def split(text: str) -> Iterable[str]:
        if kind == "whitespace":
            return text.split()  # Unicode whitespace (Python also splits on \x1c-\x1f)
        words = word_split(text)
        if kind == "prefix":
            if query:
                return _truncated(words, max_len)
            return _prefixes(words, min_len if min_len is not None else 1, max_len)
        return words

    def keep(token: str) -> bool:
        if min_len is not None and len(token) < min_len and len(token.encode()) < min_len:
            return False
        return max_len is None or len(token) <= max_len

    def tokenize(text: str) -> list[str]:
        tokens = [t for t in split(text) if keep(t)]
        return [t.lower() for t in tokens] if lowercase else tokens

    return tokenize
