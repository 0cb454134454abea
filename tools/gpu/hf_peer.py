#!/usr/bin/env python3
"""The Hugging Face transformers peer of W1 and W2 (spec/performance.md), run on the GPU host in
the same call as vllm-ts's own benchmarks: the same model shapes (tools/bench/models, random
weights, bf16, sdpa attention), the same workloads, the same metrics.

  python3 tools/gpu/hf_peer.py [--w1-seconds 120] [--w1-batch 64] [--out hf-peer.json]

W1: nano-vllm's 256 requests (random.seed(0), as tools/bench/lib/python-random.mjs), run as
static batches of --w1-batch requests in order: left-padded prompts, greedy, EOS ignored, each
batch generating its longest max_tokens. Output tokens counted are the requests' own max_tokens,
so the work static batching wastes is not credited. The whole workload takes transformers far
longer than the device tool allows, so it stops after the batch that crosses --w1-seconds and
reports output tokens / s over the batches it finished.

W2: one 128-token prompt, greedy, 256 tokens; ms per decode token is (time of 256 − time of 1) / 255,
the median of three, as tools/bench/gpu.mjs measures vllm-ts.
"""
import argparse
import json
import os
import random
import sys
import time

import torch
import transformers
from transformers import AutoConfig, AutoModelForCausalLM

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = os.path.join(HERE, "..", "bench", "models")


def load(name):
    config = AutoConfig.from_pretrained(os.path.join(MODELS, name))
    config._attn_implementation = "sdpa"
    with torch.device("cuda"):
        model = AutoModelForCausalLM.from_config(config, torch_dtype=torch.bfloat16, attn_implementation="sdpa")
    return model.eval()


def nano_vllm_workload(num_seqs=256, max_input_len=1024, max_output_len=1024):
    random.seed(0)
    prompts = [[random.randint(0, 10000) for _ in range(random.randint(100, max_input_len))] for _ in range(num_seqs)]
    max_tokens = [random.randint(100, max_output_len) for _ in range(num_seqs)]
    return prompts, max_tokens


def generate(model, batch, new_tokens, pad_id):
    width = max(len(p) for p in batch)
    ids = torch.full((len(batch), width), pad_id, dtype=torch.long, device="cuda")
    mask = torch.zeros((len(batch), width), dtype=torch.long, device="cuda")
    for row, prompt in enumerate(batch):
        ids[row, width - len(prompt):] = torch.tensor(prompt, device="cuda")
        mask[row, width - len(prompt):] = 1
    out = model.generate(
        input_ids=ids,
        attention_mask=mask,
        max_new_tokens=new_tokens,
        min_new_tokens=new_tokens,
        do_sample=False,
        pad_token_id=pad_id,
    )
    torch.cuda.synchronize()
    return out


def w1(seconds, batch_size):
    model = load("qwen3-0.6b")
    prompts, max_tokens = nano_vllm_workload()
    assert sum(map(len, prompts)) == 142827 and sum(max_tokens) == 133966, "workload totals differ"
    generate(model, [prompts[0][:16]], 4, 0)  # warm-up
    done_tokens, done_requests, start = 0, 0, time.perf_counter()
    for first in range(0, len(prompts), batch_size):
        batch = prompts[first:first + batch_size]
        wants = max_tokens[first:first + batch_size]
        generate(model, batch, max(wants), 0)
        done_tokens += sum(wants)
        done_requests += len(batch)
        if time.perf_counter() - start > seconds:
            break
    elapsed = time.perf_counter() - start
    del model
    torch.cuda.empty_cache()
    return {
        "batch": batch_size,
        "requests": done_requests,
        "outputTokens": done_tokens,
        "seconds": elapsed,
        "outputTokPerS": done_tokens / elapsed,
        "complete": done_requests == len(prompts),
    }


def w2():
    model = load("llama-3.1-8b")
    prompt = [(i * 7919) % 128000 for i in range(128)]
    generate(model, [prompt], 8, 0)

    def timed(n):
        start = time.perf_counter()
        generate(model, [prompt], n, 0)
        return (time.perf_counter() - start) * 1000

    runs = sorted((timed(256) - timed(1)) / 255 for _ in range(3))
    del model
    torch.cuda.empty_cache()
    return {"msPerToken": runs[1]}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--w1-seconds", type=float, default=120)
    parser.add_argument("--w1-batch", type=int, default=64)
    parser.add_argument("--only", choices=["w1", "w2"])
    parser.add_argument("--out", help="also write the JSON here")
    args = parser.parse_args()
    result = {
        "peer": "transformers",
        "transformers": transformers.__version__,
        "torch": torch.__version__,
        "gpu": torch.cuda.get_device_name(0),
    }
    if args.only in (None, "w1"):
        result["w1"] = w1(args.w1_seconds, args.w1_batch)
        print(f"HF W1: {result['w1']}", file=sys.stderr)
    if args.only in (None, "w2"):
        result["w2"] = w2()
        print(f"HF W2: {result['w2']}", file=sys.stderr)
    print(json.dumps(result))
    if args.out:
        with open(args.out, "w") as f:
            json.dump(result, f, indent=2)


if __name__ == "__main__":
    main()
