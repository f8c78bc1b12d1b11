"""The Python peer of `npm run bench -- tokenizer-train` and of the trainer's agreement test:
Hugging Face `tokenizers`' BpeTrainer, configured as apertus-ts trains.

    python3 bench/python/tokenizers_train.py CONFIG.json

CONFIG: {"files": [...], "vocab_size": N, "min_frequency": N, "pattern": REGEX,
         "special_tokens": ["<unk>", ...], "out": "tokenizer.json"}

Byte-level BPE: Split(pattern, "isolated") then ByteLevel without its own regex, the initial
alphabet of all 256 bytes, special tokens first. `train(files)` reads each file line by line with
the line ending kept, as apertus-ts reads .txt files. Run it with RAYON_NUM_THREADS=1 for one
thread. Prints one JSON line: {"seconds": training time, "vocab_size": ..., "tokenizers": version,
"max_rss_mb": peak resident memory of the process}.
"""
import json
import resource
import sys
import time

import tokenizers
from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, trainers


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        config = json.load(f)
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(config["pattern"]), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
    ])
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=config["vocab_size"],
        min_frequency=config["min_frequency"],
        special_tokens=config["special_tokens"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    started = time.perf_counter()
    tokenizer.train(config["files"], trainer)
    seconds = time.perf_counter() - started
    tokenizer.save(config["out"])
    max_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "vocab_size": tokenizer.get_vocab_size(), "tokenizers": tokenizers.__version__,
                      "max_rss_mb": max_rss_mb}))


if __name__ == "__main__":
    main()
