"""The Hugging Face `tokenizers` peer of `npm run bench -- tokenizer`.

    python tokenizers_bench.py train CORPUS.json VOCAB_SIZE PATTERN OUT.json
    python tokenizers_bench.py encode TOKENIZER.json DOCS.json REPEATS

train: a byte-level BPE like Mistral's tekken (Split(PATTERN, isolated) + ByteLevel without its
own regex, special tokens <unk> <s> </s> <pad> = 0-3, all 256 bytes), on the texts of CORPUS.json.

encode: one core (run with RAYON_NUM_THREADS=1 and TOKENIZERS_PARALLELISM=false), all documents
of DOCS.json through `encode_batch_fast` (no offsets; `encode_batch` where that is missing), best
of REPEATS passes. Prints one JSON line: seconds, MB/s (UTF-8 bytes), token count, and a checksum
of the ids that the TypeScript side computes the same way.
"""
import json
import sys
import time

import tokenizers
from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, trainers


def train(corpus_file, vocab_size, pattern, out):
    with open(corpus_file, encoding="utf-8") as f:
        corpus = json.load(f)
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(pattern), behavior="isolated"),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
    ])
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=int(vocab_size), show_progress=False,
                                  special_tokens=["<unk>", "<s>", "</s>", "<pad>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    started = time.perf_counter()
    tok.train_from_iterator(corpus, trainer)
    tok.save(out)
    print(json.dumps({"seconds": time.perf_counter() - started, "vocab_size": tok.get_vocab_size()}))


def checksum(encodings):
    """Ids folded in order: h = (h * 31 + id) mod 2^32, as bench/tokenizer.ts does."""
    h = 0
    for e in encodings:
        for i in e.ids:
            h = (h * 31 + i) & 0xFFFFFFFF
    return h


def encode(tokenizer_file, docs_file, repeats):
    tok = Tokenizer.from_file(tokenizer_file)
    with open(docs_file, encoding="utf-8") as f:
        docs = json.load(f)
    megabytes = sum(len(d.encode("utf-8")) for d in docs) / 1e6
    method = "encode_batch_fast" if hasattr(tok, "encode_batch_fast") else "encode_batch"
    run = getattr(tok, method)
    best = float("inf")
    encodings = []
    for _ in range(int(repeats)):
        started = time.perf_counter()
        encodings = run(docs, add_special_tokens=False)
        best = min(best, time.perf_counter() - started)
    print(json.dumps({
        "seconds": best,
        "mb_per_s": megabytes / best,
        "tokens": sum(len(e.ids) for e in encodings),
        "checksum": checksum(encodings),
        "method": method,
        "version": tokenizers.__version__,
    }))


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    {"train": train, "encode": encode}[command](*args)
