#!/usr/bin/python3
"""PyTorch-eager twin of one GRPO step of the built-in VLM, for bench/train/run.sh.

Uses the model twin of bench/peer/tiny_vlm_twin.py (the same config.json + model.safetensors the Java side wrote)
and does what the Java trainer does in one step, written the way a Python user would write it with plain PyTorch:
8 prompts x G = 8 samples (one prefill + KV cache, temperature 1, top-k 50, up to 40 new tokens), decode, rewards
(strict accuracy + format), advantages (r - mean) / (std + 1e-4), reference log-probs (no grad), policy log-probs
with autograd, the Visual-RFT loss (k3 KL, beta 0.04, per-sequence token mean, mean over sequences), backward,
clip_grad_norm_(1.0), torch.optim.AdamW. Formulas follow docs/original-code.md ("The GRPO step"); no code is taken from TRL.

Runs with Debian's /usr/bin/python3 (python3-torch 1.13, CPU). Prints one JSON line.
Usage: grpo_step_twin.py BENCH_DIR ROUNDS THREADS
"""
import json
import os
import re
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tiny_vlm_twin import TinyVlm, read_safetensors  # noqa: E402

FORMAT = re.compile(r"<think>.*?</think>\s*<answer>.*?</answer>", re.DOTALL)
ANSWER = re.compile(r"<answer>(.*?)</answer>", re.DOTALL)


def rewards(text, solution):
    fmt = 1.0 if FORMAT.fullmatch(text.strip()) else 0.0
    a = ANSWER.search(text)
    gt = ANSWER.search(solution).group(1).strip().lower()
    acc = 1.0 if a is not None and a.group(1).strip().lower() == gt else 0.0
    return acc + fmt


def main():
    bench, rounds, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    torch.set_num_threads(threads)
    cfg = json.load(open(bench + "/model/config.json"))
    w = read_safetensors(bench + "/model/model.safetensors")
    ref = TinyVlm(cfg, {k: v.clone() for k, v in w.items()})
    policy = TinyVlm(cfg, w)
    params = list(w.values())
    for p in params:
        p.requires_grad_(True)
    opt = torch.optim.AdamW(params, lr=1e-6, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)
    vocab = json.load(open(bench + "/model/tokenizer.json"))["model"]["vocab"]
    pieces = [p[0] for p in vocab]
    special = set(range(6))
    inputs = read_safetensors(bench + "/prompts.safetensors")
    solutions = json.load(open(bench + "/solutions.json"))
    prompts = [(inputs["patches.%d" % i], inputs["prompt_ids.%d" % i].long()) for i in range(len(solutions))]
    g, max_new, beta = 8, 40, 0.04
    gen = torch.Generator().manual_seed(7)

    def step():
        groups = []
        for (patches, ids), sol in zip(prompts, solutions):
            toks, _, lengths = policy.generate(patches, ids, g, max_new, 50, gen)
            texts = ["".join(pieces[t] for t in row[:n] if t not in special) for row, n in zip(toks.tolist(), lengths)]
            r = torch.tensor([rewards(t, sol) for t in texts], dtype=torch.float64)
            adv = (r - r.mean()) / (r.std() + 1e-4)
            mask = (torch.arange(toks.shape[1]).unsqueeze(0) < torch.tensor(lengths).unsqueeze(1)).double()
            groups.append((patches, ids, toks, mask, adv))
        with torch.no_grad():
            refs = [ref.log_probs(p, i, t).double() for p, i, t, _, _ in groups]
        opt.zero_grad()
        for (patches, ids, toks, mask, adv), ref_logp in zip(groups, refs):
            logp = policy.log_probs(patches, ids, toks).double()
            d = ref_logp - logp
            k3 = d.exp() - d - 1
            per_tok = -(logp - logp.detach()).exp() * adv.unsqueeze(1) + beta * k3
            loss = ((per_tok * mask).sum(1) / mask.sum(1).clamp(min=1)).mean() / len(groups)
            loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        return sum(int(m.sum()) for _, _, _, m, _ in groups)

    for _ in range(2):
        step()
    ms, tokens = [], 0
    for _ in range(rounds):
        t0 = time.perf_counter()
        tokens += step()
        ms.append((time.perf_counter() - t0) * 1000)
    ms.sort()
    print(json.dumps({"torch": torch.__version__, "threads": threads, "step_ms": round(ms[len(ms) // 2], 1),
                      "step_ms_min": round(ms[0], 1), "tokens_per_step": tokens / rounds}))


if __name__ == "__main__":
    main()
