"""The PyTorch peer of `npm run bench -- apertus`: transformers' ApertusForCausalLM on CPU.

    python apertus.py CONFIG_JSON

CONFIG_JSON: {"mode": "train"|"generate", "config": <HF config.json dict>, "threads", "batch",
"context", "steps", "warmup", "lr", "prompt" (ids), "new_tokens"}.
train: AdamW (betas 0.9/0.999, eps 1e-8, wd 0.1), random tokens, loss of the model's own head.
generate: greedy with the KV cache (model.generate, use_cache=True), one sequence.
Prints one JSON line with tokens_per_s, step_s (train) and peak_rss_mb.
"""
import json
import resource
import sys
import time

import torch
import transformers

spec = json.load(open(sys.argv[1]))
torch.set_num_threads(spec["threads"])
torch.manual_seed(0)
config = transformers.AutoConfig.for_model(**spec["config"])
model = transformers.AutoModelForCausalLM.from_config(config, dtype=torch.float32)
rss = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
out = {"backend": f"torch {torch.__version__}, transformers {transformers.__version__}, {torch.backends.cpu.get_cpu_capability()}, {spec['threads']} threads"}

if spec["mode"] == "train":
    B, T, V = spec["batch"], spec["context"], config.vocab_size
    optimizer = torch.optim.AdamW(model.parameters(), lr=spec["lr"], weight_decay=0.1)
    generator = torch.Generator().manual_seed(7)
    batches = [torch.randint(0, V, (B, T + 1), generator=generator) for _ in range(4)]

    def step(i):
        ids = batches[i % len(batches)]
        optimizer.zero_grad(set_to_none=False)
        loss = torch.nn.functional.cross_entropy(model(ids[:, :-1]).logits.reshape(-1, V), ids[:, 1:].reshape(-1))
        loss.backward()
        optimizer.step()
        return loss.item()

    model.train()
    for i in range(spec["warmup"]):
        step(i)
    started = time.perf_counter()
    for i in range(spec["steps"]):
        loss = step(i)
    seconds = (time.perf_counter() - started) / spec["steps"]
    out.update(step_s=seconds, tokens_per_s=B * T / seconds, loss=loss)
else:
    model.eval()
    ids = torch.tensor([spec["prompt"]])
    n = spec["new_tokens"]
    with torch.no_grad():
        model.generate(ids, max_new_tokens=4, do_sample=False, eos_token_id=None, pad_token_id=3)
        started = time.perf_counter()
        result = model.generate(ids, max_new_tokens=n, min_new_tokens=n, do_sample=False, eos_token_id=None, pad_token_id=3)
        seconds = time.perf_counter() - started
    out.update(tokens_per_s=n / seconds, ids=[int(t) for t in result[0, len(spec["prompt"]):]])
out["peak_rss_mb"] = rss()
print(json.dumps(out))
