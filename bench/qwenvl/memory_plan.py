#!/usr/bin/env python3
"""Memory plan for LoRA GRPO in bf16 on the Qwen2.5-VL and Qwen3-VL checkpoints people fine-tune: weights, LoRA
state, KV cache of a G = 8 rollout, activations of the policy's scored forward. Prints a Markdown table (docs/models.md).

Shapes are those of the released config.json files (listed below). Activations are extrapolated from a measured
point of the same decoder by the per-layer widths autograd keeps: Qwen2.5-VL (a Qwen2 decoder) from Qwen2-VL-2B
(docs/qwen2vl.md: 4.3 MB per scored token at the peak of a full GRPO step, backward included), Qwen3-VL (q/k norms
keep more float32 copies) from Qwen3-VL-2B (bench/qwenvl/grpo-step-qwen3vl-2b-cpu.log: the peak grows by 8.0 MB per
scored token from G = 2 to G = 4). Estimates, not measurements, except Qwen3-VL-2B's activation rate.
usage: python3 bench/qwenvl/memory_plan.py [--rank 16] [--prompt 400] [--completion 256] [--group 8]
"""
import argparse

# text: hidden, intermediate, layers, heads, kv heads, head_dim, vocab, tied; vision: depth, hidden, intermediate,
# out, deepstack mergers, swiglu (Qwen2.5-VL's vision MLP has three matrices)
MODELS = {
    "Qwen2.5-VL-3B": dict(ref="qwen2", h=2048, i=11008, L=36, H=16, kv=2, hd=128, V=151936, tied=True,
                          vd=32, vh=1280, vi=3420, vo=2048, ds=0, swiglu=True),
    "Qwen2.5-VL-7B": dict(ref="qwen2", h=3584, i=18944, L=28, H=28, kv=4, hd=128, V=152064, tied=False,
                          vd=32, vh=1280, vi=3420, vo=3584, ds=0, swiglu=True),
    "Qwen3-VL-2B": dict(ref="qwen3", h=2048, i=6144, L=28, H=16, kv=8, hd=128, V=151936, tied=True,
                        vd=24, vh=1024, vi=4096, vo=2048, ds=3, swiglu=False),
    "Qwen3-VL-4B": dict(ref="qwen3", h=2560, i=9728, L=36, H=32, kv=8, hd=128, V=151936, tied=True,
                        vd=24, vh=1024, vi=4096, vo=2560, ds=3, swiglu=False),
    "Qwen3-VL-8B": dict(ref="qwen3", h=4096, i=12288, L=36, H=32, kv=8, hd=128, V=151936, tied=False,
                        vd=27, vh=1152, vi=4304, vo=4096, ds=3, swiglu=False),
}
# measured points: Qwen2-VL-2B (4.3 MB per scored token at the step's peak), Qwen3-VL-2B (8.0 MB per added token)
REFS = {"qwen2": dict(h=1536, i=8960, L=28, mb=4.3), "qwen3": dict(h=2048, i=6144, L=28, mb=8.0)}


def text_params(m):
    q = m["h"] * m["H"] * m["hd"]
    kv = 2 * m["h"] * m["kv"] * m["hd"]
    o = m["H"] * m["hd"] * m["h"]
    mlp = 3 * m["h"] * m["i"]
    layer = q + kv + o + mlp + 2 * m["h"]
    emb = m["V"] * m["h"] * (1 if m["tied"] else 2)
    return m["L"] * layer + emb + m["h"]


def vision_params(m):
    vh, vi = m["vh"], m["vi"]
    block = 4 * vh * vh + (3 if m["swiglu"] else 2) * vh * vi
    merged = 4 * vh
    merger = merged * merged + merged * m["vo"]
    patch = vh * 3 * 2 * (14 if m["swiglu"] else 16) ** 2
    pos = 0 if m["swiglu"] else 2304 * vh
    return m["vd"] * block + patch + pos + (1 + m["ds"]) * merger


def lora_params(m, r):
    per_layer = r * ((m["h"] + m["H"] * m["hd"]) + 2 * (m["h"] + m["kv"] * m["hd"]) + (m["H"] * m["hd"] + m["h"])
                     + 3 * (m["h"] + m["i"]))
    return m["L"] * per_layer


def act_mb_per_token(m):
    # what autograd keeps per layer and token grows with the hidden and MLP widths; scaled from the measured model
    r = REFS[m["ref"]]
    units = m["L"] * (8 * m["h"] + 4 * m["i"])
    ref = r["L"] * (8 * r["h"] + 4 * r["i"])
    return r["mb"] * units / ref


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rank", type=int, default=16)
    ap.add_argument("--prompt", type=int, default=400, help="prompt tokens (about 256 image tokens + question)")
    ap.add_argument("--completion", type=int, default=256)
    ap.add_argument("--group", type=int, default=8)
    a = ap.parse_args()
    g, t = a.group, a.completion
    n = a.prompt + t
    print(f"| model | parameters | weights bf16 | LoRA r={a.rank} (fp32 + grad + AdamW) | KV cache, G={g} × {t} new tokens"
          f" (with the {a.prompt}-token prompts) | activations per scored token | scored forward, G × {n} tokens at once"
          f" | the same in micro-batches of 2 | total, micro-batches of 2 |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    gb = 1e9
    for name, m in MODELS.items():
        p = text_params(m) + vision_params(m)
        w = 2 * p
        lora = 16 * lora_params(m, a.rank)
        kv_token = m["L"] * 2 * m["kv"] * m["hd"] * 2
        kv_new = g * t * kv_token
        kv_all = g * (a.prompt + t) * kv_token
        act = g * n * act_mb_per_token(m) * 1e6 + 3 * g * t * m["V"] * 4
        act2 = 2 * n * act_mb_per_token(m) * 1e6 + 3 * 2 * t * m["V"] * 4
        total = w + lora + kv_all + act2
        print(f"| {name} | {p / 1e9:.2f} B | {w / gb:.1f} GB | {lora / gb:.2f} GB | {kv_new / gb:.2f} GB"
              f" ({kv_all / gb:.2f} GB) | {act_mb_per_token(m):.1f} MB | {act / gb:.1f} GB | {act2 / gb:.1f} GB"
              f" | {total / gb:.1f} GB |")


if __name__ == "__main__":
    main()
