"""The PyTorch peer of `npm run bench -- train-step`.

    python train_step.py STEPS WARMUP THREADS BATCH

The benchmark GPT of bench/gpt.ts in PyTorch (CPU, float32): 6 layers, d 384, 6 heads of 64
(kv heads 6), context 256, vocab 8192, pre-norm RMSNorm (eps 1e-5), RoPE (rotate-half, theta
10000), causal attention (scaled_dot_product_attention), GELU (tanh) MLP 4x, untied embeddings,
no biases, AdamW (lr 3e-4, wd 0.1, betas 0.9/0.999, eps 1e-8), random tokens.
torch.set_num_threads(THREADS); WARMUP steps, then STEPS timed steps.
Prints one JSON line: {"backend", "tokens_per_s", "step_s", "peak_rss_mb", "loss"}.
"""
import json
import resource
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

LAYERS, D, HEADS, KV_HEADS, CONTEXT, VOCAB, MLP = 6, 384, 6, 6, 256, 8192, 4
HEAD_DIM = D // HEADS


class RMSNorm(nn.Module):
    def __init__(self, d, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(d))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rope_tables(T, dim, theta=10000.0):
    inv = 1.0 / theta ** (torch.arange(0, dim, 2, dtype=torch.float64) / dim)
    angles = torch.outer(torch.arange(T, dtype=torch.float64), inv)
    return angles.cos().float(), angles.sin().float()  # [T, dim/2]


def rope(x, cos, sin):
    # x [B, T, H, D]; out[c] = x[c] cos - x[c+D/2] sin, out[c+D/2] = x[c+D/2] cos + x[c] sin
    half = x.shape[-1] // 2
    x1, x2 = x[..., :half], x[..., half:]
    c, s = cos[None, :, None, :], sin[None, :, None, :]
    return torch.cat([x1 * c - x2 * s, x2 * c + x1 * s], dim=-1)


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        kv = KV_HEADS * HEAD_DIM
        self.norm1 = RMSNorm(D)
        self.wq = nn.Linear(D, D, bias=False)
        self.wk = nn.Linear(D, kv, bias=False)
        self.wv = nn.Linear(D, kv, bias=False)
        self.wo = nn.Linear(D, D, bias=False)
        self.norm2 = RMSNorm(D)
        self.up = nn.Linear(D, MLP * D, bias=False)
        self.down = nn.Linear(MLP * D, D, bias=False)

    def forward(self, x, cos, sin):
        B, T, _ = x.shape
        h = self.norm1(x)
        q = rope(self.wq(h).view(B, T, HEADS, HEAD_DIM), cos, sin).transpose(1, 2)
        k = rope(self.wk(h).view(B, T, KV_HEADS, HEAD_DIM), cos, sin).transpose(1, 2)
        v = self.wv(h).view(B, T, KV_HEADS, HEAD_DIM).transpose(1, 2)
        a = F.scaled_dot_product_attention(q, k, v, is_causal=True, enable_gqa=KV_HEADS != HEADS)
        x = x + self.wo(a.transpose(1, 2).reshape(B, T, D))
        return x + self.down(F.gelu(self.up(self.norm2(x)), approximate="tanh"))


class Gpt(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(VOCAB, D)
        self.blocks = nn.ModuleList(Block() for _ in range(LAYERS))
        self.norm = RMSNorm(D)
        self.head = nn.Linear(D, VOCAB, bias=False)
        for p in self.parameters():
            if p.dim() > 1:
                nn.init.normal_(p, std=0.02)
        cos, sin = rope_tables(CONTEXT, HEAD_DIM)
        self.register_buffer("cos", cos, persistent=False)
        self.register_buffer("sin", sin, persistent=False)

    def forward(self, ids, targets):
        x = self.embed(ids)
        for block in self.blocks:
            x = block(x, self.cos, self.sin)
        logits = self.head(self.norm(x))
        return F.cross_entropy(logits.view(-1, VOCAB), targets.view(-1))


def main():
    steps, warmup, threads, batch = (int(a) for a in sys.argv[1:5])
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    model = Gpt()
    opt = torch.optim.AdamW(model.parameters(), lr=3e-4, weight_decay=0.1, betas=(0.9, 0.999), eps=1e-8)
    batches = [(torch.randint(0, VOCAB, (batch, CONTEXT)), torch.randint(0, VOCAB, (batch, CONTEXT))) for _ in range(4)]

    def train_step(i):
        ids, targets = batches[i % len(batches)]
        opt.zero_grad(set_to_none=True)
        loss = model(ids, targets)
        loss.backward()
        opt.step()
        return loss.item()

    for i in range(warmup):
        train_step(i)
    started = time.perf_counter()
    loss = float("nan")
    for i in range(steps):
        loss = train_step(i)
    seconds = time.perf_counter() - started
    print(json.dumps({
        "backend": f"torch {torch.__version__}, {torch.backends.cpu.get_cpu_capability()}, {torch.get_num_threads()} threads",
        "tokens_per_s": steps * batch * CONTEXT / seconds,
        "step_s": seconds / steps,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "loss": loss,
    }))


if __name__ == "__main__":
    main()
