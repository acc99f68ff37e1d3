#!/usr/bin/env python3
"""Proves that Hugging Face transformers loads a Qwen2.5-VL or Qwen3-VL folder saved by visual-rft (LoRA merged back
into the base weights) and computes what our Java code computed on it.

Inputs: folders written by bench/qwenvl/export-hf-check.sh (default: bench/qwenvl/hf-check/*/merged-*), each with
config.json, model.safetensors, preprocessor_config.json, generation_config.json, the case's images, and
java_outputs.json (model type, input ids, image grids, M-RoPE ids, pixel values, logits, greedy ids).

Checks, per folder:
  1. AutoModelForImageTextToText.from_pretrained(folder) builds the right class and loads with no missing or
     unexpected weights;
  2. the image processor of the folder gives our grids and our pixel values: bit-exact when transformers runs its
     torchvision backend (the folders' preprocessor_config.json is in transformers 5's layout, which selects that
     pipeline in visual-rft too); within one uint8 step if it fell back to its PIL backend (no torchvision);
  3. a forward pass (eager attention, our pixel values and position ids) gives our logits:
     max|diff|/max|ref| < 1e-4 in float32, < 3e-2 in bfloat16;
  4. greedy generate (8 new tokens, KV cache) gives our ids (float32 only; bf16 argmax ties may differ).
Exit code 0 when every check passes, 1 otherwise. Prints one line per check and a JSON summary at the end.

usage: python3 bench/peer/qwenvl_hf_check.py [FOLDER ...]      (needs torch, transformers >= 5, Pillow, numpy)
"""
import glob
import inspect
import json
import os
import sys

import numpy as np
import torch
from PIL import Image
from transformers import AutoImageProcessor, AutoModelForImageTextToText

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT = sorted(glob.glob(os.path.join(HERE, "..", "qwenvl", "hf-check", "*", "merged-*")))
CLASSES = {"qwen2_5_vl": "Qwen2_5_VLForConditionalGeneration", "qwen3_vl": "Qwen3VLForConditionalGeneration"}


def rel(a, b):
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return float(np.abs(a - b).max() / max(np.abs(b).max(), 1e-30))


def load(folder, dtype):
    kw = dict(attn_implementation="eager", output_loading_info=True)
    try:
        return AutoModelForImageTextToText.from_pretrained(folder, dtype=dtype, **kw)
    except TypeError:  # transformers before 4.56 calls it torch_dtype
        return AutoModelForImageTextToText.from_pretrained(folder, torch_dtype=dtype, **kw)


def check(folder):
    out = json.load(open(os.path.join(folder, "java_outputs.json")))
    f32 = out["dtype"] == "float32"
    dtype = torch.float32 if f32 else torch.bfloat16
    results = {}

    model, info = load(folder, dtype)
    model.eval()
    bad = {k: v for k, v in info.items() if v}
    results["load_clean"] = not bad and type(model).__name__ == CLASSES[out["model_type"]]
    print(f"[{folder}] {type(model).__name__} ({dtype}); loading info problems: {bad or 'none'}")

    proc = AutoImageProcessor.from_pretrained(folder)
    imgs = [Image.open(os.path.join(folder, n)).convert("RGB") for n in out["images"]]
    pp = proc(images=imgs, return_tensors="pt")
    ours_px = np.asarray(out["pixel_values"], dtype=np.float32).reshape(out["pixel_values_shape"])
    std = min(proc.image_std)
    step = 1 / 255 / std + 1e-6
    px_err = float(np.abs(pp["pixel_values"].numpy() - ours_px).max()) if pp["pixel_values"].shape == ours_px.shape else float("inf")
    backend = getattr(proc, "backend", "torchvision" if type(proc).__name__.endswith("Fast") else "pil")
    allowed = 0.0 if backend == "torchvision" else step
    results["pixel_values"] = px_err <= allowed and pp["image_grid_thw"].tolist() == out["image_grid_thw"]
    print(f"  pixel values max|diff| {px_err:.3g} (allowed {allowed:.4g}, {backend} backend); grids HF {pp['image_grid_thw'].tolist()} ours {out['image_grid_thw']}")

    ids = torch.tensor([out["input_ids"]])
    grid = torch.tensor(out["image_grid_thw"])
    mask = torch.ones_like(ids)
    pos = torch.tensor(out["position_ids"]).unsqueeze(1)  # [3, 1, seq]
    extra = {}
    if "mm_token_type_ids" in inspect.signature(model.forward).parameters:
        extra["mm_token_type_ids"] = (ids == model.config.image_token_id).int()
    px = torch.tensor(ours_px).to(dtype)
    with torch.no_grad():
        logits = model(input_ids=ids, attention_mask=mask, pixel_values=px, image_grid_thw=grid, position_ids=pos,
                       use_cache=False, **extra).logits[0].float().numpy()
    ours = np.asarray(out["logits"], dtype=np.float32).reshape(out["logits_shape"])
    e = rel(ours, logits)
    tol = 1e-4 if f32 else 3e-2
    results["logits"] = e < tol
    print(f"  logits max|diff|/max|ref| {e:.3g} (tolerance {tol})")

    if f32:
        with torch.no_grad():
            gen = model.generate(input_ids=ids, attention_mask=mask, pixel_values=px, image_grid_thw=grid,
                                 max_new_tokens=len(out["greedy_ids"]), do_sample=False,
                                 pad_token_id=model.config.get_text_config().pad_token_id, **extra)
        hf_ids = gen[0, ids.shape[1]:].tolist()
        results["greedy"] = hf_ids == out["greedy_ids"]
        print(f"  greedy ids HF {hf_ids} ours {out['greedy_ids']}")
    return results


def main():
    folders = sys.argv[1:] or DEFAULT
    if not folders:
        print("no folders: run bench/qwenvl/export-hf-check.sh first")
        sys.exit(1)
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
