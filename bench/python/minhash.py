"""The numpy peer of `npm run bench -- minhash`: datatrove's MinHash signature, one core.

    .venv/bin/python bench/python/minhash.py DOCS.jsonl PARAMS.json REPEATS OUT.bin CHECK

Per document, as datatrove's MinhashDedupSignature: normalise the text (the same Unicode
classes as apertus-ts, through the `regex` module), hash each 5-word shingle with
`xxhash.xxh64_intdigest`, then take the minimum over shingles of `(a * h + b) % (2^61 - 1)` for
the 112 (a, b) pairs of PARAMS.json, vectorised in numpy over uint64 (whose multiply wraps, as
in datatrove). Loading is not timed; the best of REPEATS passes over all documents is. Writes the
signatures of the first CHECK documents to OUT.bin (little-endian uint64, 112 per document) and
prints one JSON line.
"""
import json
import sys
import time
import unicodedata

import numpy as np
import regex
import xxhash

MARKS = regex.compile(r"[\p{Mn}\p{Me}\p{Cf}]+")
NUMBER = regex.compile(r"\p{Nd}+(?:[.,]\p{Nd}+)*")
UNSPACED = regex.compile(
    r"[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Bopomofo}"
    r"\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]"
)
SEPARATORS = regex.compile(r"[\p{P}\p{S}\p{Z}\p{Cc}\s]+")
MERSENNE_61 = np.uint64((1 << 61) - 1)


def normalise(text):
    text = unicodedata.normalize("NFD", text.lower())
    text = NUMBER.sub("0", MARKS.sub("", text))
    return SEPARATORS.sub(" ", UNSPACED.sub(r" \g<0> ", text)).strip()


def signature(text, a, b, n_grams=5):
    words = normalise(text).split(" ")
    if not words[0]:
        return None
    n = min(n_grams, len(words))
    count = len(words) - n + 1
    hashes = np.fromiter(
        (xxhash.xxh64_intdigest(" ".join(words[i:i + n]).encode("utf-8")) for i in range(count)),
        dtype=np.uint64,
        count=count,
    )
    return ((hashes[:, None] * a + b) % MERSENNE_61).min(axis=0)


def main():
    docs_path, params_path, repeats, out_path, check = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
    with open(docs_path, encoding="utf-8") as f:
        texts = [json.loads(line)["text"] for line in f]
    with open(params_path, encoding="utf-8") as f:
        params = json.load(f)
    a = np.array([int(x) for x in params["a"]], dtype=np.uint64)
    b = np.array([int(x) for x in params["b"]], dtype=np.uint64)
    best = None
    for _ in range(repeats):
        start = time.perf_counter()
        signatures = [signature(text, a, b) for text in texts]
        elapsed = time.perf_counter() - start
        best = elapsed if best is None else min(best, elapsed)
    empty = np.full(len(a), np.iinfo(np.uint64).max, dtype=np.uint64)
    rows = [s if s is not None else empty for s in signatures[:check]]
    np.stack(rows).astype("<u8").tofile(out_path)
    print(json.dumps({"documents": len(texts), "seconds": best, "docs_per_s": len(texts) / best,
                      "numpy": np.__version__}))


if __name__ == "__main__":
    main()
