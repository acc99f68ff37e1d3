#!/usr/bin/python3
"""PyTorch-eager twin of the built-in VLM (vrft-tiny), for bench/model/run.sh.

Written from the model's description (org.visualrft.model.tiny: ViT patch encoder, 2-layer GELU projector,
Qwen2-style decoder with RoPE, RMSNorm, SwiGLU and grouped-query attention, tied output head) in plain eager
PyTorch, the way a Python user would write it. It loads the very same config.json + model.safetensors that the
Java model wrote, then

  1. checks that it computes the same logits as the Java model (check.safetensors: inputs + Java logits),
  2. measures sampling tokens/s at G = 8 (one prefill, KV cache, temperature 1, top-k 50, up to 40 new tokens),
  3. measures one forward+backward of a group of 8 completions of 40 tokens, both the plain way (every row runs
     image + prompt + completion) and with the Java model's algorithm (the shared prefix runs once, batch 1, and
     the rows attend to its keys/values), after checking that the two give the same log-probs.

Runs with Debian's /usr/bin/python3 (python3-torch 1.13, CPU). Prints one JSON line.
Usage: tiny_vlm_twin.py MODEL_DIR CHECK_FILE ROUNDS THREADS
"""
import json
import math
import struct
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

DTYPES = {"F32": np.float32, "F64": np.float64, "I64": np.int64, "I32": np.int32}


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        b, end = e["data_offsets"]
        arr = np.frombuffer(data[8 + n + b:8 + n + end], dtype=DTYPES[e["dtype"]]).reshape(e["shape"])
        out[name] = torch.from_numpy(arr.copy())
    return out


class TinyVlm:
    def __init__(self, cfg, w):
        self.c = cfg
        self.w = w
        self.h = cfg["num_attention_heads"]
        self.kvh = cfg["num_key_value_heads"]
        self.hd = cfg["hidden_size"] // self.h
        self.eps = cfg["rms_norm_eps"]
        pos = torch.arange(cfg["max_position_embeddings"], dtype=torch.float64)
        inv = 1.0 / (cfg["rope_theta"] ** (torch.arange(0, self.hd, 2, dtype=torch.float64) / self.hd))
        ang = torch.outer(pos, inv)
        ang = torch.cat((ang, ang), -1)
        self.cos = ang.cos().float()
        self.sin = ang.sin().float()

    def encode_image(self, patches):
        w, c = self.w, self.c
        x = F.linear(patches, w["vision.patch_embed.weight"], w["vision.patch_embed.bias"]) + w["vision.pos_embed"]
        b, n, d = x.shape
        heads = c["vision_heads"]
        hd = d // heads
        for i in range(c["vision_layers"]):
            p = "vision.blocks.%d." % i
            h = F.layer_norm(x, (d,), w[p + "norm1.weight"], w[p + "norm1.bias"], 1e-6)
            qkv = F.linear(h, w[p + "attn.qkv.weight"], w[p + "attn.qkv.bias"]).view(b, n, 3, heads, hd)
            qkv = qkv.permute(2, 0, 3, 1, 4)
            q, k, v = qkv[0], qkv[1], qkv[2]
            att = (q @ k.transpose(-2, -1)) / math.sqrt(hd)
            o = att.softmax(-1) @ v
            x = x + F.linear(o.transpose(1, 2).reshape(b, n, d), w[p + "attn.proj.weight"], w[p + "attn.proj.bias"])
            h = F.layer_norm(x, (d,), w[p + "norm2.weight"], w[p + "norm2.bias"], 1e-6)
            h = F.gelu(F.linear(h, w[p + "mlp.fc1.weight"], w[p + "mlp.fc1.bias"]))
            x = x + F.linear(h, w[p + "mlp.fc2.weight"], w[p + "mlp.fc2.bias"])
        x = F.layer_norm(x, (d,), w["vision.norm.weight"], w["vision.norm.bias"], 1e-6)
        x = F.gelu(F.linear(x, w["projector.fc1.weight"], w["projector.fc1.bias"]))
        return F.linear(x, w["projector.fc2.weight"], w["projector.fc2.bias"])

    def rms(self, x, weight):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * weight

    def rope(self, x, start):
        t = x.shape[1]
        cos = self.cos[start:start + t].view(1, t, 1, self.hd)
        sin = self.sin[start:start + t].view(1, t, 1, self.hd)
        x1, x2 = x[..., :self.hd // 2], x[..., self.hd // 2:]
        return x * cos + torch.cat((-x2, x1), -1) * sin

    def decode(self, x, cache=None, start=0, past=None, collect=None):
        w, h, kvh, hd = self.w, self.h, self.kvh, self.hd
        b, t, d = x.shape
        if past is not None:
            start = past[0][0].shape[2]
        for i in range(self.c["num_hidden_layers"]):
            p = "model.layers.%d." % i
            qkv = F.linear(self.rms(x, w[p + "input_layernorm.weight"]), w[p + "self_attn.qkv_proj.weight"],
                           w[p + "self_attn.qkv_proj.bias"]).view(b, t, h + 2 * kvh, hd)
            q = self.rope(qkv[:, :, :h], start).transpose(1, 2)
            k = self.rope(qkv[:, :, h:h + kvh], start).transpose(1, 2)
            v = qkv[:, :, h + kvh:].transpose(1, 2)
            if collect is not None:
                collect.append((k, v))
            if past is not None:
                pk, pv = past[i]
                k = torch.cat((pk.expand(b, -1, -1, -1), k), 2)
                v = torch.cat((pv.expand(b, -1, -1, -1), v), 2)
            if cache is not None:
                ck, cv = cache[i]
                ck[:b, :, start:start + t] = k
                cv[:b, :, start:start + t] = v
                k = ck[:b, :, :start + t]
                v = cv[:b, :, :start + t]
            k = k.repeat_interleave(h // kvh, dim=1)
            v = v.repeat_interleave(h // kvh, dim=1)
            att = (q @ k.transpose(-2, -1)) / math.sqrt(hd)
            if t > 1:
                mask = torch.ones(t, k.shape[2], dtype=torch.bool).triu(1 + k.shape[2] - t)
                att = att.masked_fill(mask, float("-inf"))
            o = (att.softmax(-1) @ v).transpose(1, 2).reshape(b, t, h * hd)
            x = x + F.linear(o, w[p + "self_attn.o_proj.weight"])
            gu = F.linear(self.rms(x, w[p + "post_attention_layernorm.weight"]), w[p + "mlp.gate_up_proj.weight"])
            gate, up = gu.chunk(2, dim=-1)
            x = x + F.linear(F.silu(gate) * up, w[p + "mlp.down_proj.weight"])
        return self.rms(x, w["model.norm.weight"])

    def logits(self, hidden):
        return F.linear(hidden, self.w["model.embed_tokens.weight"])

    def prefix(self, patches, prompt_ids):
        img = self.encode_image(patches)
        txt = F.embedding(prompt_ids, self.w["model.embed_tokens.weight"]).unsqueeze(0)
        return torch.cat((img, txt), 1)

    @torch.no_grad()
    def generate(self, patches, prompt_ids, g, max_new, top_k, gen):
        c = self.c
        x = self.prefix(patches, prompt_ids)
        p = x.shape[1]
        cap = p + max_new
        cache = [(torch.zeros(g, self.kvh, cap, self.hd), torch.zeros(g, self.kvh, cap, self.hd))
                 for _ in range(c["num_hidden_layers"])]
        last = self.decode(x, cache, 0)[:, -1:]
        for ck, cv in cache:
            ck[1:, :, :p] = ck[:1, :, :p]
            cv[1:, :, :p] = cv[:1, :, :p]
        logits = self.logits(last).view(1, -1).expand(g, -1)
        eos = c["eos_token_id"]
        done = torch.zeros(g, dtype=torch.bool)
        tokens, logps = [], []
        pos = p
        for n in range(max_new):
            logp = logits.log_softmax(-1)
            vals, idx = logits.topk(top_k, dim=-1)
            choice = torch.multinomial(vals.softmax(-1), 1, generator=gen)
            tok = idx.gather(-1, choice).squeeze(-1)
            tok = torch.where(done, torch.full_like(tok, c["pad_token_id"]), tok)
            tokens.append(tok)
            logps.append(logp.gather(-1, tok.unsqueeze(-1)).squeeze(-1))
            done = done | (tok == eos)
            if bool(done.all()) or n == max_new - 1:
                break
            h = self.decode(F.embedding(tok.view(g, 1), self.w["model.embed_tokens.weight"]), cache, pos)
            pos += 1
            logits = self.logits(h[:, -1])
        toks = torch.stack(tokens, 1)
        # tokens up to and including the first EOS count, as in the Java model
        lengths = []
        for row in toks.tolist():
            lengths.append(row.index(eos) + 1 if eos in row else len(row))
        return toks, torch.stack(logps, 1), lengths

    def log_probs_shared(self, patches, prompt_ids, completions):
        """Same result as log_probs, the Java model's algorithm: the prefix runs once, the G rows attend to it."""
        g, t = completions.shape
        x = self.prefix(patches, prompt_ids)
        p = x.shape[1]
        past = []
        hp = self.decode(x, collect=past)
        first = hp[:, p - 1:p].expand(g, 1, hp.shape[2])
        comp = F.embedding(completions[:, :t - 1], self.w["model.embed_tokens.weight"])
        h = torch.cat((first, self.decode(comp, past=past)), 1)
        return self.logits(h).log_softmax(-1).gather(-1, completions.unsqueeze(-1)).squeeze(-1)

    def log_probs(self, patches, prompt_ids, completions):
        g, t = completions.shape
        x = self.prefix(patches, prompt_ids)
        p = x.shape[1]
        comp = F.embedding(completions, self.w["model.embed_tokens.weight"])
        h = self.decode(torch.cat((x.expand(g, p, x.shape[2]), comp), 1))[:, p - 1:p - 1 + t]
        return self.logits(h).log_softmax(-1).gather(-1, completions.unsqueeze(-1)).squeeze(-1)


def main():
    model_dir, check_file, rounds, threads = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    torch.set_num_threads(threads)
    cfg = json.load(open(model_dir + "/config.json"))
    w = read_safetensors(model_dir + "/model.safetensors")
    m = TinyVlm(cfg, w)
    chk = read_safetensors(check_file)
    patches, prompt_ids, comp = chk["patches"], chk["prompt_ids"], chk["completion_ids"]

    with torch.no_grad():
        x = torch.cat((m.prefix(patches, prompt_ids),
                       F.embedding(comp, w["model.embed_tokens.weight"]).unsqueeze(0)), 1)
        logits = m.logits(m.decode(x))[0]
    max_diff = (logits - chk["logits"]).abs().max().item()

    g, max_new = 8, 40
    gen = torch.Generator().manual_seed(7)
    for _ in range(3):
        m.generate(patches, prompt_ids, g, max_new, 50, gen)
    tps = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        _, _, lengths = m.generate(patches, prompt_ids, g, max_new, 50, gen)
        tps.append(sum(lengths) / (time.perf_counter() - t0))

    for t in w.values():
        t.requires_grad_(True)
    cg = torch.Generator().manual_seed(9)
    comps = torch.randint(6, cfg["vocab_size"], (g, max_new), generator=cg)
    with torch.no_grad():
        shared_diff = (m.log_probs(patches, prompt_ids, comps)
                       - m.log_probs_shared(patches, prompt_ids, comps)).abs().max().item()
    timings = {}
    for name, fn in (("fwd_bwd_ms", m.log_probs), ("fwd_bwd_shared_ms", m.log_probs_shared)):
        fb = []
        for i in range(rounds + 3):
            t0 = time.perf_counter()
            fn(patches, prompt_ids, comps).sum().backward()
            t1 = time.perf_counter()
            if i >= 3:
                fb.append((t1 - t0) * 1000)
            for t in w.values():
                t.grad = None
        fb.sort()
        timings[name] = round(fb[len(fb) // 2], 2)
    tps.sort()
    print(json.dumps({"torch": torch.__version__, "threads": threads, "max_abs_logit_diff": max_diff,
                      "sample_tokens_per_s": round(tps[len(tps) // 2], 1),
                      "shared_prefix_max_diff": shared_diff, **timings}))


if __name__ == "__main__":
    main()
