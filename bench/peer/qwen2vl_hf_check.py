#!/usr/bin/env python3
"""Proves that Hugging Face transformers loads a Qwen2-VL folder saved by visual-rft (LoRA merged back into the base
weights) and computes what our Java code computed on it.

Inputs: folders written by bench/qwen2vl/export-hf-check.sh (default bench/qwen2vl/hf-check/merged-f32 and
merged-bf16), each with config.json, model.safetensors, preprocessor_config.json, generation_config.json, the two
fixture images, and java_outputs.json (input ids, image grids, M-RoPE ids, pixel values, logits, 8 greedy ids).

Checks, per folder:
  1. Qwen2VLForConditionalGeneration.from_pretrained(folder) loads with no missing or unexpected weights;
  2. Qwen2VLImageProcessor.from_pretrained(folder) on the two images gives our pixel values and grids;
  3. get_rope_index gives our position ids and rope delta;
  4. a forward pass (eager attention, position ids passed explicitly) gives our logits:
     max|diff|/max|ref| < 1e-4 in float32, < 3e-2 in bfloat16;
  5. greedy generate (8 new tokens, KV cache) gives our ids (float32 only; bf16 argmax ties may differ).
Exit code 0 when every check passes, 1 otherwise. Prints one line per check and a JSON summary at the end.

usage: python3 bench/peer/qwen2vl_hf_check.py [FOLDER ...]      (needs torch, transformers >= 4.45, Pillow, numpy)
"""
import inspect
import json
import os
import sys

import numpy as np
import torch
from PIL import Image
from transformers import Qwen2VLForConditionalGeneration
from transformers.models.qwen2_vl.image_processing_qwen2_vl import Qwen2VLImageProcessor

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT = [os.path.join(HERE, "..", "qwen2vl", "hf-check", d) for d in ("merged-f32", "merged-bf16")]


def rel(a, b):
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return float(np.abs(a - b).max() / max(np.abs(b).max(), 1e-30))


def token_types(model, ids):
    """transformers 5 marks image tokens with mm_token_type_ids (0 text, 1 image, 2 video) instead of finding them."""
    return (ids == model.config.image_token_id).int()


def accepts(fn, name):
    return name in inspect.signature(fn).parameters


def rope_index(model, ids, grid, mask):
    # the method moved from the outer model to model.model in later transformers versions, and its arguments changed
    for owner in (model, getattr(model, "model", None)):
        fn = getattr(owner, "get_rope_index", None)
        if fn is None:
            continue
        kw = dict(input_ids=ids, image_grid_thw=grid, attention_mask=mask)
        if accepts(fn, "mm_token_type_ids"):
            kw["mm_token_type_ids"] = token_types(model, ids)
        return fn(**kw)
    raise RuntimeError("no get_rope_index in this transformers version")


def check(folder):
    out = json.load(open(os.path.join(folder, "java_outputs.json")))
    f32 = out["dtype"] == "float32"
    dtype = torch.float32 if f32 else torch.bfloat16
    results = {}

    model, info = Qwen2VLForConditionalGeneration.from_pretrained(
        folder, torch_dtype=dtype, attn_implementation="eager", output_loading_info=True)
    model.eval()
    bad = {k: v for k, v in info.items() if v}
    results["load_clean"] = not bad
    print(f"[{folder}] loaded ({dtype}); loading info problems: {bad or 'none'}")

    proc = Qwen2VLImageProcessor.from_pretrained(folder)
    imgs = [Image.open(os.path.join(folder, n)).convert("RGB") for n in ("image_a.png", "image_b.png")]
    pp = proc(images=imgs, return_tensors="pt")
    ours_px = np.asarray(out["pixel_values"], dtype=np.float32).reshape(out["pixel_values_shape"])
    px_err = float(np.abs(pp["pixel_values"].numpy() - ours_px).max())
    # Bit-exact against transformers 4.46 + Pillow 9.4 (tested in Java against the fixture). Other stacks may resize
    # with another bicubic (torchvision in transformers 5): one uint8 step is 1/255/std ~ 0.0146 after normalising.
    step = 1 / 255 / 0.26130258 + 1e-6
    results["pixel_values"] = px_err <= step and pp["image_grid_thw"].tolist() == out["image_grid_thw"]
    note = "bit-exact" if px_err <= 1e-6 else f"within one uint8 step ({step:.4f})" if px_err <= step else "DIFFERENT"
    print(f"  pixel values max|diff| {px_err:.3g} ({note}); grids HF {pp['image_grid_thw'].tolist()} ours {out['image_grid_thw']}")

    ids = torch.tensor([out["input_ids"]])
    grid = torch.tensor(out["image_grid_thw"])
    mask = torch.ones_like(ids)
    pos, delta = rope_index(model, ids, grid, mask)
    results["rope_index"] = pos[:, 0].tolist() == out["position_ids"] and int(delta.flatten()[0]) == out["rope_delta"]
    print(f"  rope ids equal: {results['rope_index']} (delta HF {int(delta.flatten()[0])}, ours {out['rope_delta']})")

    extra = {}
    if accepts(model.forward, "mm_token_type_ids"):
        extra["mm_token_type_ids"] = token_types(model, ids)
    with torch.no_grad():
        logits = model(input_ids=ids, attention_mask=mask, pixel_values=torch.tensor(ours_px).to(dtype),
                       image_grid_thw=grid, position_ids=pos, use_cache=False, **extra).logits[0].float().numpy()
    ours = np.asarray(out["logits"], dtype=np.float32).reshape(out["logits_shape"])
    e = rel(ours, logits)
    tol = 1e-4 if f32 else 3e-2
    results["logits"] = e < tol
    print(f"  logits max|diff|/max|ref| {e:.3g} (tolerance {tol})")

    if f32:
        with torch.no_grad():
            # our pixel values, so the comparison is about the model, not the resize
            gen = model.generate(input_ids=ids, attention_mask=mask, pixel_values=torch.tensor(ours_px),
                                 image_grid_thw=grid, max_new_tokens=8, do_sample=False,
                                 pad_token_id=304, **extra)
        hf_ids = gen[0, ids.shape[1]:].tolist()
        results["greedy"] = hf_ids == out["greedy_ids"]
        print(f"  greedy ids HF {hf_ids} ours {out['greedy_ids']}")
    return results


def main():
    folders = sys.argv[1:] or DEFAULT
    torch.set_num_threads(max(1, min(8, os.cpu_count() or 1)))
    import transformers
    summary = {"torch": torch.__version__, "transformers": transformers.__version__, "folders": {}}
    ok = True
    for f in folders:
        r = check(f)
        summary["folders"][f] = r
        ok &= all(r.values())
    print(json.dumps(summary, indent=1))
    print("ALL CHECKS PASSED" if ok else "SOME CHECKS FAILED")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
