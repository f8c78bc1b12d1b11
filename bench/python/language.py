"""The Python peer of `npm run bench -- language`: fastText's own Python binding (the C++ library)
with the same lid.176.ftz, called as datatrove's FastTextLID calls it, one core.

    python bench/python/language.py DOCS.jsonl MODEL REPEATS

Loads the documents and the model (not timed), then times labelling every document (newlines
replaced by spaces, best label, score rounded to 4 decimals, threshold 0.65) and prints one JSON
line with the best time of REPEATS and the documents per label, to check both sides agree.
"""
import importlib.metadata
import json
import sys
import time

import fasttext

# fastText 0.9.2 warns on every load_model that the API changed; it is noise here.
fasttext.FastText.eprint = lambda *args, **kwargs: None

THRESHOLD = 0.65


def run(model, docs):
    kept = 0
    by_language = {}
    for doc in docs:
        labels, scores = model.predict(doc["text"].replace("\n", " "), k=1)
        language = labels[0][len("__label__"):]
        score = round(min(1.0, float(scores[0])), 4)
        doc["metadata"]["language"] = language
        doc["metadata"]["language_score"] = score
        by_language[language] = by_language.get(language, 0) + 1
        if score >= THRESHOLD:
            kept += 1
    return kept, by_language


def main():
    docs_path, model_path, repeats = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with open(docs_path, encoding="utf-8") as f:
        docs = [json.loads(line) for line in f]
    model = fasttext.load_model(model_path)
    best = None
    for _ in range(repeats):
        start = time.perf_counter()
        kept, by_language = run(model, docs)
        elapsed = time.perf_counter() - start
        best = elapsed if best is None else min(best, elapsed)
    print(json.dumps({"documents": len(docs), "kept": kept, "by_language": by_language, "seconds": best,
                      "docs_per_s": len(docs) / best,
                      "fasttext": importlib.metadata.version("fasttext"),
                      "python": sys.version.split()[0]}))


if __name__ == "__main__":
    main()
