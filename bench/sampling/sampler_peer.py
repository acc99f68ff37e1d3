"""The PyTorch peer of SamplerBench.java: one decode step's logits processors and draw for G rows of a Qwen-sized
vocabulary, as Hugging Face generate runs them on the CPU (repetition penalty by gather/scatter, temperature, top-k,
top-p, min-p, softmax, multinomial), float32. Prints name and the median milliseconds of a step.

    /usr/bin/python3 sampler_peer.py ROUNDS
"""
import sys
import time

import torch

torch.set_num_threads(1)
V, G, H = 151936, 8, 600


def step(scores, ids, top_k, penalty, min_p):
    if penalty != 1.0:
        s = torch.gather(scores, 1, ids)
        scores = scores.scatter(1, ids, torch.where(s < 0, s * penalty, s / penalty))
    if top_k:
        kth = torch.topk(scores, top_k)[0][..., -1, None]
        scores = scores.masked_fill(scores < kth, float("-inf"))
    if min_p:
        probs = torch.softmax(scores, dim=-1)
        top = probs.max(dim=-1, keepdim=True)[0]
        scores = scores.masked_fill(probs < min_p * top, float("-inf"))
    return torch.multinomial(torch.softmax(scores, dim=-1), 1)


def main():
    rounds = int(sys.argv[1])
    gen = torch.Generator().manual_seed(1)
    logits = torch.randn(G, V, generator=gen) * 3
    ids = torch.randint(0, V, (G, H), generator=gen)
    settings = [("top_k 50", 50, 1.0, 0), ("top_k 50 + repetition_penalty 1.05", 50, 1.05, 0),
                ("top_k 50 + min_p 0.05", 50, 1.0, 0.05), ("full vocabulary", 0, 1.0, 0),
                ("full vocabulary + penalty 1.05 + min_p 0.05", 0, 1.05, 0.05)]
    for name, k, pen, mp in settings:
        ms = []
        for r in range(rounds + 3):
            t0 = time.perf_counter()
            step(logits, ids, k, pen, mp)
            if r >= 3:
                ms.append((time.perf_counter() - t0) * 1e3)
        ms.sort()
        print("%s\t%.2f" % (name, ms[len(ms) // 2]))


if __name__ == "__main__":
    main()
