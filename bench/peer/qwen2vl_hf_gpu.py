"""The transformers peer of bench/gpu/Qwen2VLGpuBench.java, on the same GPU in the same device command.

Qwen2-VL-2B shapes with random weights (Qwen2VLForConditionalGeneration._from_config, bf16, sdpa), one 448x448 image
(256 image tokens) + text = 318 prompt tokens, G = 8 rows x 256 new tokens (min_new_tokens = max_new_tokens), sampling
at temperature 1 with top-k off. Rows: generate with the default dynamic cache; with cache_implementation="static"
(transformers compiles the decode step; the first call's compile time is printed apart); forward+backward of the
8 x 574 tokens (log-probs of the 256 completion tokens) with all weights trainable and with peft LoRA r16 on the
seven projections, with peak allocated memory.
usage: python3 bench/peer/qwen2vl_hf_gpu.py CONFIG_JSON [--skip-static]
"""
import json
import sys
import time

if len(sys.argv) < 2 or sys.argv[1].startswith("-"):
    sys.exit("usage: python3 bench/peer/qwen2vl_hf_gpu.py CONFIG_JSON [--skip-static]")
try:
    import torch
    from transformers import Qwen2VLConfig, Qwen2VLForConditionalGeneration
except ImportError as e:  # one line, not a traceback: this peer runs only where torch + transformers are installed
    sys.exit(f"qwen2vl_hf_gpu.py: needs torch >= 2 and transformers >= 5 (the GPU machine's python3): {e}")
if not torch.cuda.is_available():
    sys.exit(f"qwen2vl_hf_gpu.py: no CUDA GPU visible to torch {torch.__version__}")

cfg_path = sys.argv[1]
skip_static = "--skip-static" in sys.argv
dev = torch.device("cuda")
raw = json.load(open(cfg_path))
cfg = Qwen2VLConfig(**raw)
cfg._attn_implementation = "sdpa"
torch.manual_seed(0)
t0 = time.time()
with dev:
    model = Qwen2VLForConditionalGeneration._from_config(cfg, dtype=torch.bfloat16)
model.eval()
print(f"python: transformers, torch {torch.__version__}, model built in {time.time() - t0:.1f} s", flush=True)

G, NEW, IMG = 8, 256, 448
grid = torch.tensor([[1, IMG // 14, IMG // 14]], device=dev)
patches = (IMG // 14) ** 2
pixel_values = torch.randn(patches, 3 * 2 * 14 * 14, device=dev, dtype=torch.bfloat16)
image_tokens = patches // 4
text = 318 - image_tokens - 2
ids = [cfg.vision_start_token_id] + [cfg.image_token_id] * image_tokens + [cfg.vision_end_token_id]
ids += torch.randint(0, 150000, (text,)).tolist()
input_ids = torch.tensor([ids], device=dev)
mm = (input_ids == cfg.image_token_id).long()
inputs = dict(input_ids=input_ids, attention_mask=torch.ones_like(input_ids), pixel_values=pixel_values,
              image_grid_thw=grid, mm_token_type_ids=mm)
print()
print("| python (transformers) | seconds | rate / peak |")
print("| --- | ---: | ---: |")


def row(what, seconds, note):
    """Prints one row of the table as soon as it is measured (a run stopped by its time limit keeps it)."""
    print(f"| {what} | {seconds:.3f} | {note} |", flush=True)


def gen(**kw):
    torch.cuda.synchronize()
    a = time.time()
    with torch.no_grad():
        out = model.generate(**inputs, do_sample=True, temperature=1.0, top_k=0, top_p=1.0, max_new_tokens=NEW,
                             min_new_tokens=NEW, num_return_sequences=G, **kw)
    torch.cuda.synchronize()
    t = time.time() - a
    n = (out.shape[1] - input_ids.shape[1]) * out.shape[0]
    return t, n, out


gen()  # warm-up
t, n, out = gen()
row("generate, default dynamic cache", t, f"{n / t:,.0f} tok/s")
if not skip_static:
    t, n, _ = gen(cache_implementation="static")
    row("generate, static cache, first call (torch.compile)", t, f"{n / t:,.0f} tok/s")
    t, n, _ = gen(cache_implementation="static")
    row("generate, static cache, compiled", t, f"{n / t:,.0f} tok/s")

completion = out[:, input_ids.shape[1]:]
full_ids = torch.cat([input_ids.expand(G, -1), completion], 1)
train_inputs = dict(input_ids=full_ids, attention_mask=torch.ones_like(full_ids),
                    pixel_values=pixel_values.repeat(G, 1), image_grid_thw=grid.repeat(G, 1),
                    mm_token_type_ids=(full_ids == cfg.image_token_id).long())


def fwd_bwd(m, label):
    m.train()
    best, peak = 1e9, 0
    for i in range(3):
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        a = time.time()
        logits = m(**train_inputs, logits_to_keep=NEW + 1).logits[:, :-1].float()
        lp = torch.log_softmax(logits, -1).gather(-1, completion.unsqueeze(-1)).squeeze(-1)
        (-lp.sum()).backward()
        torch.cuda.synchronize()
        t = time.time() - a
        if i > 0:
            best = min(best, t)
        peak = max(peak, torch.cuda.max_memory_allocated())
        m.zero_grad(set_to_none=True)
    row(f"{label} ({G} x {full_ids.shape[1]} tokens)", best, f"peak {peak / 2**30:.1f} GiB")


fwd_bwd(model, "forward+backward, full parameters")
try:
    from peft import LoraConfig, get_peft_model
    lm = get_peft_model(model, LoraConfig(r=16, lora_alpha=32, target_modules=[
        "q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]))
    fwd_bwd(lm, "forward+backward, peft LoRA r16 (7 projections)")
except Exception as e:  # peft missing or incompatible: say so, keep the other rows
    print("peft LoRA row skipped:", e, flush=True)
