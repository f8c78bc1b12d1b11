"""The Python peer of `npm run bench -- pipeline`: the robots opt-out and PII redaction, one core.

    python3 bench/python/pipeline.py DOCS.jsonl SNAPSHOT.jsonl REPEATS

Loads the documents (not timed), then times snapshot loading + robots check of every document +
redaction of the kept ones, and prints one JSON line with the best time of REPEATS.
"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pii import redact  # noqa: E402
from robots import Snapshot  # noqa: E402


def run(docs, snapshot_path):
    snapshot = Snapshot(snapshot_path)
    kept = removed = redacted = 0
    for doc in docs:
        if snapshot.check(doc["url"]):
            removed += 1
            continue
        text, counts = redact(doc["text"])
        kept += 1
        if text != doc["text"]:
            redacted += 1
    return kept, removed, redacted


def main():
    docs_path, snapshot_path, repeats = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with open(docs_path, encoding="utf-8") as f:
        docs = [json.loads(line) for line in f]
    best = None
    for _ in range(repeats):
        start = time.perf_counter()
        kept, removed, redacted = run(docs, snapshot_path)
        elapsed = time.perf_counter() - start
        best = elapsed if best is None else min(best, elapsed)
    print(json.dumps({"documents": len(docs), "kept": kept, "removed": removed, "redacted": redacted,
                      "seconds": best, "docs_per_s": len(docs) / best}))


if __name__ == "__main__":
    main()
