"""Embedders: the registry and hook, params, fitting, shapes, state, and each kind's maths."""

from __future__ import annotations

import math
import re
from pathlib import Path

import msgspec
import numpy as np
import pytest

from vectorizer import BadRequest, hookimpl
from vectorizer.embedders import (
    Embedder,
    EmbedderRegistry,
    NotFitted,
    Param,
    e5,
    load_embedders,
)
from vectorizer.embedders.bm25 import TERM_IDS
from vectorizer.embedders.params import integer
from vectorizer.host.plugins import make_plugin_manager
from vectorizer.models import SparseVector

REPO = Path(__file__).resolve().parents[2]
DOCS = (REPO / "docs" / "native_api.md").read_text()
SKLEARN_KINDS = ["hashing", "tfidf", "bag_of_words", "char_ngram", "bm25", "lsa"]
FITTED_KINDS = ["tfidf", "bag_of_words", "char_ngram", "bm25", "lsa"]


@pytest.fixture(scope="module")
def registry() -> EmbedderRegistry:
    return load_embedders(make_plugin_manager(load_entry_points=False))


@pytest.fixture(scope="module")
def corpus() -> list[str]:
    """300 texts of 3 to 12 words drawn from 400 made-up words (Zipf-like frequencies)."""
    rng = np.random.default_rng(7)
    words = [f"w{i}{'abcdefgh'[i % 8]}" for i in range(400)]
    weights = 1.0 / np.arange(1, 401)
    weights /= weights.sum()
    return [
        " ".join(rng.choice(words, size=int(rng.integers(3, 13)), p=weights)) for _ in range(300)
    ]


def fitted(registry: EmbedderRegistry, kind: str, corpus: list[str], **params) -> Embedder:
    embedder = registry.build(kind, params)
    embedder.fit(corpus)
    return embedder


def same(a, b) -> bool:
    """Bit-identical embeddings (dense arrays, or lists of sparse vectors)."""
    if isinstance(a, np.ndarray):
        return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()
    return len(a) == len(b) and all(
        x.indices.tobytes() == y.indices.tobytes() and x.values.tobytes() == y.values.tobytes()
        for x, y in zip(a, b, strict=True)
    )


# ----------------------------------------------------------------------------- registry and hook


def test_builtins_are_registered_through_the_hook(registry: EmbedderRegistry) -> None:
    assert set(SKLEARN_KINDS) <= set(registry.names())
    assert ("e5" in registry.names()) == e5.available()
    assert load_embedders().names() == registry.names()  # no plugin manager: the built-ins
    pm = make_plugin_manager(load_entry_points=False)
    assert "vectorizer.builtin_embedders" in dict(pm.list_name_plugin())
    impls = pm.hook.register_embedders.get_hookimpls()
    assert [i.opts["trylast"] for i in impls] == [True]


def test_unknown_kind_lists_the_known_ones(registry: EmbedderRegistry) -> None:
    with pytest.raises(BadRequest, match=r"Unknown embedder `word2vec` \(known: .*`tfidf`"):
        registry.build("word2vec")


def test_e5_without_its_extra_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(e5, "available", lambda: False)
    registry = load_embedders(make_plugin_manager(load_entry_points=False))
    assert "e5" not in registry.names()
    with pytest.raises(BadRequest, match=re.escape("pip install 'vectorizer[e5]'")):
        registry.build("e5")


class Shout(Embedder):
    """A third-party kind: 2-d dense vectors (length, share of capitals)."""

    kind = "shout"
    description = "length and capitals"
    PARAMS = (Param("scale", 1, "multiplies the length", integer(1)),)

    @property
    def output(self):
        return "dense"

    @property
    def dimension(self) -> int:
        return 2

    def _embed(self, texts, *, query):
        return np.array(
            [[len(t) * self.params["scale"], sum(c.isupper() for c in t)] for t in texts],
            dtype=np.float32,
        )


class LoudTfidf(Shout):
    kind = "tfidf"


class ShoutPlugin:
    @hookimpl
    def register_embedders(self, register):
        register(Shout)
        register(LoudTfidf)  # a plugin's kind wins over a built-in of the same name


def test_a_plugin_registers_an_embedder_through_the_hook() -> None:
    pm = make_plugin_manager(load_entry_points=False)
    plugin = ShoutPlugin()
    pm.register(plugin, name="shout")
    try:
        registry = load_embedders(pm)
        assert {"shout", "tfidf", "bm25"} <= set(registry.names())
        shout = registry.build("shout", {"scale": 2})
        assert shout.fitted and shout.min_texts == 0
        assert shout.embed_documents(["AbC"]).tolist() == [[6.0, 2.0]]
        assert registry.load(shout.state()).params == {"scale": 2}
        with pytest.raises(BadRequest, match="parameter `scale`"):
            registry.build("shout", {"scale": 0})
        assert registry.get("tfidf") is LoudTfidf
    finally:
        pm.unregister(plugin)
    assert "shout" not in load_embedders(pm).names()


def test_register_rejects_what_is_not_an_embedder() -> None:
    registry = EmbedderRegistry()
    with pytest.raises(TypeError, match="not an Embedder subclass"):
        registry.register(object)  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- params

DEFAULTS = {
    "hashing": {
        "output": "sparse",
        "dimension": 2**20,
        "analyzer": "word",
        "ngram_range": [1, 1],
        "lowercase": True,
        "stop_words": None,
        "alternate_sign": True,
        "norm": "l2",
    },
    "tfidf": {
        "analyzer": "word",
        "ngram_range": [1, 1],
        "lowercase": True,
        "stop_words": None,
        "min_df": 1,
        "max_df": 1.0,
        "max_features": None,
        "use_idf": True,
        "sublinear_tf": False,
        "norm": "l2",
    },
    "bag_of_words": {
        "analyzer": "word",
        "ngram_range": [1, 1],
        "lowercase": True,
        "stop_words": None,
        "min_df": 1,
        "max_df": 1.0,
        "max_features": None,
        "binary": False,
    },
    "char_ngram": {
        "analyzer": "char_wb",
        "ngram_range": [2, 4],
        "lowercase": True,
        "min_df": 1,
        "max_df": 1.0,
        "max_features": None,
        "use_idf": False,
        "sublinear_tf": True,
        "norm": "l2",
    },
    "bm25": {"k1": 1.2, "b": 0.75, "avg_len": None, "lowercase": True, "stop_words": None},
    "lsa": {
        "dimension": 128,
        "analyzer": "word",
        "ngram_range": [1, 1],
        "lowercase": True,
        "stop_words": None,
        "min_df": 1,
        "max_df": 1.0,
        "max_features": None,
        "use_idf": True,
        "sublinear_tf": True,
        "n_iter": 5,
        "seed": 0,
    },
    "e5": {"variant": "original"},
}


@pytest.mark.parametrize("kind", sorted(DEFAULTS))
def test_defaults(kind: str) -> None:
    cls = load_embedders().get(kind) if kind != "e5" else e5.E5Embedder
    embedder = cls.create()
    assert embedder.params == DEFAULTS[kind]
    assert msgspec.json.decode(msgspec.json.encode(embedder.params)) == embedder.params


def test_hashing_dimension_default_follows_the_output(registry: EmbedderRegistry) -> None:
    dense = registry.build("hashing", {"output": "dense"})
    assert dense.params["dimension"] == 1024 and dense.dimension == 1024
    assert registry.build("hashing").dimension is None  # sparse


@pytest.mark.parametrize(
    ("kind", "params", "bad"),
    [
        ("tfidf", {"ngram": [1, 2]}, "ngram"),  # unknown
        ("tfidf", {"ngram_range": [2, 1]}, "ngram_range"),
        ("tfidf", {"ngram_range": [0, 1]}, "ngram_range"),
        ("tfidf", {"ngram_range": "1,2"}, "ngram_range"),
        ("tfidf", {"analyzer": "sentence"}, "analyzer"),
        ("tfidf", {"lowercase": 1}, "lowercase"),
        ("tfidf", {"min_df": 0}, "min_df"),
        ("tfidf", {"max_df": 1.5}, "max_df"),
        ("tfidf", {"min_df": 5, "max_df": 2}, "max_df"),
        ("tfidf", {"max_features": 0}, "max_features"),
        ("tfidf", {"max_features": True}, "max_features"),
        ("tfidf", {"analyzer": "char_wb", "stop_words": "english"}, "stop_words"),
        ("tfidf", {"stop_words": "french"}, "stop_words"),
        ("tfidf", {"norm": "max"}, "norm"),
        ("bag_of_words", {"binary": "yes"}, "binary"),
        ("char_ngram", {"analyzer": "word"}, "analyzer"),
        ("char_ngram", {"stop_words": "english"}, "stop_words"),  # not a char_ngram param
        ("hashing", {"output": "both"}, "output"),
        ("hashing", {"output": "dense", "dimension": 100_000}, "dimension"),
        ("hashing", {"dimension": 2**31}, "dimension"),
        ("hashing", {"dimension": 2.5}, "dimension"),
        ("bm25", {"k1": -1}, "k1"),
        ("bm25", {"b": 1.5}, "b"),
        ("bm25", {"avg_len": 0}, "avg_len"),
        ("bm25", {"k1": "1.2"}, "k1"),
        ("lsa", {"dimension": 0}, "dimension"),
        ("lsa", {"n_iter": 0}, "n_iter"),
        ("lsa", {"seed": -1}, "seed"),
    ],
)
def test_bad_params_are_named(
    registry: EmbedderRegistry, kind: str, params: dict, bad: str
) -> None:
    with pytest.raises(BadRequest, match=f"embedder `{kind}`: parameter `{bad}`") as info:
        registry.build(kind, params)
    assert type(info.value) is BadRequest


def test_e5_variant_is_checked() -> None:
    with pytest.raises(BadRequest, match="parameter `variant`: expected one of"):
        e5.E5Embedder.create({"variant": "large"})


def _doc_section(kind: str) -> str:
    return DOCS.split(f"\n### `{kind}`\n")[1].split("\n### ")[0]


@pytest.mark.parametrize("kind", sorted(DEFAULTS))
def test_every_param_is_documented_with_its_default(kind: str) -> None:
    """In the kind's docstring table and in its section of docs/native_api.md."""
    cls = e5.E5Embedder if kind == "e5" else load_embedders().get(kind)
    section = _doc_section(kind)
    for param in cls.PARAMS:
        row = f"| `{param.name}` | `{param.default_json}` |"
        assert row in (cls.__doc__ or ""), f"{kind}.{param.name} not in the docstring"
        assert row in section, f"{kind}.{param.name} not in docs/native_api.md"
    documented = set(re.findall(r"^\| `(\w+)` \|", section, flags=re.M))
    assert documented == {p.name for p in cls.PARAMS}


# ----------------------------------------------------------------------------- fitting


@pytest.mark.parametrize("kind", FITTED_KINDS)
def test_embedding_before_fitting_says_what_is_needed(
    registry: EmbedderRegistry, kind: str
) -> None:
    embedder = registry.build(kind)
    assert not embedder.fitted and embedder.min_texts >= 1
    with pytest.raises(NotFitted, match=f"Embedder `{kind}` is not fitted yet: fit it on at least"):
        embedder.embed_documents(["hello"])
    with pytest.raises(NotFitted, match="is not fitted yet"):
        embedder.embed_query(["hello"])
    with pytest.raises(NotFitted, match="cannot fit on 0 texts: it needs at least"):
        embedder.fit([])
    assert not embedder.fitted


def test_lsa_needs_more_texts_than_its_dimension(
    registry: EmbedderRegistry, corpus: list[str]
) -> None:
    lsa = registry.build("lsa", {"dimension": 16})
    assert lsa.min_texts == 17
    with pytest.raises(NotFitted, match=r"needs at least 17 texts \(more than its dimension, 16\)"):
        lsa.fit(corpus[:16])
    lsa.fit(corpus[:17])
    assert lsa.fitted and lsa.embed_documents(["w0a"]).shape == (1, 16)
    # enough texts but too few distinct terms
    with pytest.raises(NotFitted, match=r"3 terms after pruning.*more than its dimension \(16\)"):
        registry.build("lsa", {"dimension": 16}).fit(["a b c"] * 20)


def test_unusable_texts_and_a_failed_refit(registry: EmbedderRegistry, corpus: list[str]) -> None:
    tfidf = registry.build("tfidf", {"stop_words": "english"})
    with pytest.raises(NotFitted, match="empty vocabulary"):
        tfidf.fit(["the and of", "it is"])
    with pytest.raises(NotFitted, match="bm25` cannot fit on these texts: they have no tokens"):
        registry.build("bm25").fit(["", "  !!"])
    tfidf.fit(corpus)
    before = tfidf.state()
    with pytest.raises(NotFitted):
        tfidf.fit(["the and of"])
    assert tfidf.state() == before  # a failed fit leaves the embedder as it was
    lsa = fitted(registry, "lsa", corpus, dimension=8)
    before = lsa.state()
    with pytest.raises(NotFitted):
        lsa.fit(["a b c"] * 20)  # vocabulary fits, the SVD does not
    assert lsa.state() == before and lsa.fitted


def test_a_lone_string_is_refused(registry: EmbedderRegistry) -> None:
    with pytest.raises(TypeError, match="not a string"):
        registry.build("hashing").embed_documents("one text")  # type: ignore[arg-type]


def test_stateless_kinds_need_no_fitting(registry: EmbedderRegistry) -> None:
    for embedder in (registry.build("hashing"), registry.build("bm25", {"avg_len": 10})):
        assert embedder.fitted and embedder.min_texts == 0
        first = embedder.embed_documents(["some text"])
        embedder.fit([])  # a no-op
        assert same(first, embedder.embed_documents(["some text"]))


# ----------------------------------------------------------------------------- vectors and state


def check_sparse(vectors, n: int, below: int | None = None) -> None:
    assert isinstance(vectors, list) and len(vectors) == n
    for v in vectors:
        assert isinstance(v, SparseVector)
        assert v.indices.dtype == np.uint32 and v.values.dtype == np.float32
        assert v.indices.shape == v.values.shape
        assert np.all(np.diff(v.indices.astype(np.int64)) > 0) and np.all(v.values != 0)
        if below is not None and len(v.indices):
            assert int(v.indices.max()) < below


@pytest.mark.parametrize(
    ("kind", "params"),
    [
        ("hashing", {}),
        ("hashing", {"output": "dense", "dimension": 64, "analyzer": "char_wb"}),
        ("tfidf", {}),
        ("tfidf", {"ngram_range": [1, 2], "sublinear_tf": True, "min_df": 2}),
        ("bag_of_words", {"binary": True}),
        ("char_ngram", {}),
        ("char_ngram", {"use_idf": True, "analyzer": "char", "max_features": 300}),
        ("bm25", {}),
        ("lsa", {}),
        ("lsa", {"dimension": 20, "analyzer": "char_wb", "ngram_range": [2, 3]}),
    ],
)
def test_shapes_determinism_and_state(
    registry: EmbedderRegistry, corpus: list[str], kind: str, params: dict
) -> None:
    embedder = fitted(registry, kind, corpus, **params)
    texts = [*corpus[:5], "", "unseen words only", corpus[0].upper()]
    docs, queries = embedder.embed_documents(texts), embedder.embed_query(texts)
    if embedder.output == "dense":
        assert embedder.dimension is not None
        assert docs.dtype == np.float32 and docs.shape == (len(texts), embedder.dimension)
        assert queries.shape == docs.shape
    else:
        assert embedder.dimension is None
        check_sparse(docs, len(texts), getattr(embedder, "vocabulary_size", None))
        check_sparse(queries, len(texts))
    # lowercase by default: the upper-cased text embeds like the original
    assert same(embedder.embed_documents([texts[-1]]), embedder.embed_documents([texts[0]]))
    # deterministic: the same fit twice gives the same state and vectors
    again = fitted(registry, kind, corpus, **params)
    assert again.state() == embedder.state()
    assert same(again.embed_documents(texts), docs)
    # a batch embeds like its texts one at a time
    one_by_one = [embedder.embed_documents([t]) for t in texts]
    if embedder.output == "dense":
        np.testing.assert_allclose(np.vstack(one_by_one), docs, rtol=1e-5, atol=1e-6)
    else:
        assert same([v[0] for v in one_by_one], docs)
    # the state round trip is bit-identical, and plain MessagePack (no pickle)
    state = embedder.state()
    envelope = msgspec.msgpack.decode(state)
    assert envelope["kind"] == kind and envelope["params"] == embedder.params
    loaded = registry.load(state)
    assert type(loaded) is type(embedder) and loaded.fitted
    assert same(loaded.embed_documents(texts), docs)
    assert same(loaded.embed_query(texts), queries)
    assert loaded.state() == state


def test_state_of_an_unfitted_embedder(registry: EmbedderRegistry, corpus: list[str]) -> None:
    tfidf = registry.build("tfidf", {"min_df": 2})
    loaded = registry.load(tfidf.state())
    assert not loaded.fitted and loaded.params == tfidf.params
    loaded.fit(corpus)
    assert loaded.fitted


def test_bad_states(registry: EmbedderRegistry, corpus: list[str]) -> None:
    with pytest.raises(BadRequest, match="Embedder state cannot be read"):
        registry.load(b"\x80\x04not msgpack")
    with pytest.raises(BadRequest, match="Embedder state cannot be read"):
        registry.load(msgspec.msgpack.encode({"format": "other"}))
    state = fitted(registry, "tfidf", corpus).state()
    with pytest.raises(BadRequest, match="is of kind `tfidf`, not `bm25`"):
        registry.get("bm25").from_state(state)
    envelope = msgspec.msgpack.decode(state)
    envelope["fitted"]["terms"] = envelope["fitted"]["terms"][:3]  # IDF no longer matches
    with pytest.raises(BadRequest, match="the IDF does not match the vocabulary"):
        registry.load(msgspec.msgpack.encode(envelope))
    envelope = msgspec.msgpack.decode(state)
    envelope["params"]["min_df"] = -1
    with pytest.raises(BadRequest, match="parameter `min_df`"):
        registry.load(msgspec.msgpack.encode(envelope))


# ----------------------------------------------------------------------------- each kind's maths


def test_tfidf_matches_scikit_learn(registry: EmbedderRegistry, corpus: list[str]) -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer

    params = {"ngram_range": [1, 2], "sublinear_tf": True, "min_df": 2}
    ours = fitted(registry, "tfidf", corpus, **params)
    theirs = TfidfVectorizer(
        ngram_range=(1, 2), sublinear_tf=True, min_df=2, token_pattern=r"(?u)\b\w+\b"
    ).fit(corpus)
    assert ours.vocabulary_size == len(theirs.vocabulary_)
    expected = theirs.transform(corpus[:20]).toarray()
    got = np.zeros_like(expected)
    for row, v in enumerate(ours.embed_documents(corpus[:20])):
        got[row, v.indices] = v.values
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-7)


def test_bag_of_words_counts(registry: EmbedderRegistry) -> None:
    bow = fitted(registry, "bag_of_words", ["b a", "c a"])  # vocabulary: a=0, b=1, c=2
    (v,) = bow.embed_documents(["a a c z"])
    assert v.indices.tolist() == [0, 2] and v.values.tolist() == [2.0, 1.0]
    binary = fitted(registry, "bag_of_words", ["b a", "c a"], binary=True)
    assert binary.embed_documents(["a a c"])[0].values.tolist() == [1.0, 1.0]


def _term_id(term: str) -> int:
    from sklearn.utils import murmurhash3_32

    return abs(murmurhash3_32(term, seed=0)) % TERM_IDS


def test_bm25_arithmetic_by_hand(registry: EmbedderRegistry) -> None:
    bm25 = fitted(registry, "bm25", ["a b b", "c", "a c d e"], k1=1.5, b=0.5)
    assert bm25.avg_len == pytest.approx(8 / 3)
    (doc,) = bm25.embed_documents(["B a b x"])  # 4 tokens: b twice, a and x once

    def weight(tf: int, length: int) -> float:
        return tf * 2.5 / (tf + 1.5 * (1 - 0.5 + 0.5 * length / (8 / 3)))

    expected = {_term_id("b"): weight(2, 4), _term_id("a"): weight(1, 4)}
    expected[_term_id("x")] = weight(1, 4)
    assert doc.indices.tolist() == sorted(expected)
    np.testing.assert_allclose(doc.values, [expected[i] for i in sorted(expected)], rtol=1e-6)
    (query,) = bm25.embed_query(["b B a"])  # distinct terms, weight 1
    assert query.indices.tolist() == sorted({_term_id("a"), _term_id("b")})
    assert query.values.tolist() == [1.0, 1.0]
    fixed = registry.build("bm25", {"avg_len": 4.0})
    assert fixed.embed_documents(["a b b c"])[0].values.tolist() == pytest.approx(
        sorted_values({"a": 1, "b": 2, "c": 1}, length=4, avg_len=4.0)
    )


def sorted_values(tf: dict[str, int], *, length: int, avg_len: float) -> list[float]:
    k1, b = 1.2, 0.75
    weights = {
        _term_id(t): n * (k1 + 1) / (n + k1 * (1 - b + b * length / avg_len)) for t, n in tf.items()
    }
    return [weights[i] for i in sorted(weights)]


def test_bm25_with_qdrant_idf_is_bm25() -> None:
    """Stored in a sparse vector with `modifier: idf` (qdrant-client's local mode as the
    oracle), the dot product of query and document vectors is the textbook BM25 score."""
    from qdrant_client import QdrantClient, models

    docs = [
        "the cat sat on the mat",
        "the dog sat",
        "a cat and a dog and a bird",
        "birds fly over the cat",
        "nothing to see here at all today",
    ]
    bm25 = load_embedders().build("bm25")
    bm25.fit(docs)
    client = QdrantClient(":memory:")
    client.create_collection(
        "c",
        vectors_config={},
        sparse_vectors_config={"bm25": models.SparseVectorParams(modifier=models.Modifier.IDF)},
    )
    client.upsert(
        "c",
        [
            models.PointStruct(
                id=i,
                vector={
                    "bm25": models.SparseVector(
                        indices=v.indices.tolist(), values=v.values.tolist()
                    )
                },
            )
            for i, v in enumerate(bm25.embed_documents(docs))
        ],
    )
    tokenized = [d.split() for d in docs]
    avg_len = sum(map(len, tokenized)) / len(docs)
    for text in ["cat", "the dog", "a bird cat"]:
        (q,) = bm25.embed_query([text])
        hits = client.query_points(
            "c", models.SparseVector(indices=q.indices.tolist(), values=q.values.tolist()),
            using="bm25", limit=10,
        ).points  # fmt: skip
        got = {h.id: h.score for h in hits}
        expected = {}
        for i, tokens in enumerate(tokenized):
            score = 0.0
            for term in set(text.split()):
                tf = tokens.count(term)
                if tf:
                    df = sum(term in t for t in tokenized)
                    idf = math.log((len(docs) - df + 0.5) / (df + 0.5) + 1)
                    score += idf * tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * len(tokens) / avg_len))
            if score:
                expected[i] = score
        assert got.keys() == expected.keys()
        for i, score in expected.items():
            assert got[i] == pytest.approx(score, rel=1e-5)


def _nearest(docs, queries) -> list[int]:
    """Index of the best document (dot product) for each query, over sparse vectors."""
    best = []
    for q in queries:
        weights = dict(zip(q.indices.tolist(), q.values.tolist(), strict=True))
        scores = [
            sum(
                weights.get(i, 0.0) * x
                for i, x in zip(d.indices.tolist(), d.values.tolist(), strict=True)
            )
            for d in docs
        ]
        best.append(int(np.argmax(scores)))
    return best


WORDS = [
    "necessary", "restaurant", "definitely", "separate", "government", "environment",
    "beginning", "address", "february", "occurrence", "accommodate", "embarrass",
    "tomorrow", "possession", "recommend", "committee", "calendar", "library",
]  # fmt: skip
TYPOS = [
    "neccessary", "restaraunt", "definately", "seperate", "goverment", "enviroment",
    "begining", "adress", "febuary", "occurence", "acommodate", "embarass",
    "tommorow", "posession", "reccomend", "comittee", "calender", "libary",
]  # fmt: skip


def test_char_ngram_finds_the_word_under_a_typo(registry: EmbedderRegistry) -> None:
    char = fitted(registry, "char_ngram", WORDS)
    docs = char.embed_documents(WORDS)
    assert _nearest(docs, char.embed_query(TYPOS)) == list(range(len(WORDS)))
    # word tokens cannot: a misspelt word is not in the vocabulary
    tfidf = fitted(registry, "tfidf", WORDS)
    assert all(len(v.indices) == 0 for v in tfidf.embed_query(TYPOS))


def test_hashing_is_stateless_and_bounded(registry: EmbedderRegistry) -> None:
    a, b = (
        registry.build("hashing", {"dimension": 1000}),
        registry.build("hashing", {"dimension": 1000}),
    )
    assert same(a.embed_documents(WORDS), b.embed_documents(WORDS))
    check_sparse(a.embed_documents(WORDS), len(WORDS), below=1000)
    assert a.state() == b.state() and msgspec.msgpack.decode(a.state())["fitted"] is None
    dense = registry.build("hashing", {"output": "dense", "dimension": 32})
    vectors = dense.embed_documents(["one two", "three"])
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-6)


def test_lsa_vectors_are_normalised_and_topical(registry: EmbedderRegistry) -> None:
    pets = ["cat dog pet fur", "dog leash pet walk", "cat litter pet", "fur pet dog bark"]
    money = ["bank loan rate", "loan interest bank", "rate interest money", "money bank savings"]
    lsa = fitted(registry, "lsa", (pets + money) * 10, dimension=2)
    vectors = lsa.embed_documents(["pet cat", "dog fur", "bank interest", ""])
    np.testing.assert_allclose(np.linalg.norm(vectors[:3], axis=1), 1.0, rtol=1e-5)
    assert not vectors[3].any()  # nothing known: the zero vector
    assert vectors[0] @ vectors[1] > 0.9 > 0.1 > vectors[0] @ vectors[2]
