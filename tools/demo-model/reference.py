"""transformers' greedy output for the exported demo model: the fixture vllm-ts is tested against.

    python3 tools/demo-model/reference.py --out <repo mirror> [--model <model folder>]

Loads the model folder in float32 on the CPU (the bf16 weights upcast, as vllm-ts's CPU
backend does) and writes <out>/packages/llm/test/fixtures/demo-model/greedy.json: for each
demo prompt and chat conversation, the prompt ids, greedy generation of 64 tokens stopping at
EOS and ignoring it, the decoded text, and the top-5 logprobs of every prompt position and
generated step (log_softmax in float32).
"""

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import EOT_ID, FIXTURE_SUBDIR, MODEL_SUBDIR, log, render_chat_reference, sha256_file, versions, write_json  # noqa: E402
from lm_utils import check_model, greedy  # noqa: E402

NEW_TOKENS = 64
TOP_K = 5
PROMPTS = ["Hello, my name is", "The president of the United States is", "ROMEO:", "To be, or not to be"]
CHATS = [
    [{"role": "user", "content": "Good morrow! What news from Verona?"}],
    [
        {"role": "system", "content": "A street in Verona."},
        {"role": "user", "content": "Who goes there?"},
        {"role": "assistant", "content": "A friend, my lord."},
        {"role": "user", "content": "Then speak, and tell me all."},
    ],
]
ENCODE_SAMPLES = [
    "",
    " ",
    "First Citizen:\nBefore we proceed any further, hear me speak.\n\nAll:\nSpeak, speak.\n",
    "  leading and   inner   spaces, tabs\tand\r\nCRLF",
    "Numbers 1234567 and punctuation!?;:--",
    "Caf\u00e9, na\u00efve, \u00fcber, \u65e5\u672c, \U0001f600",
    "text <|endoftext|> with the special token inside",
]


def hf_generate(torch, model, ids, ignore_eos):
    kwargs = {
        "do_sample": False,
        "temperature": 1.0,
        "top_p": 1.0,
        "max_new_tokens": NEW_TOKENS,
        "eos_token_id": EOT_ID,
        "pad_token_id": EOT_ID,
    }
    if ignore_eos:
        kwargs["min_new_tokens"] = NEW_TOKENS  # EOS masked out, as vLLM's min_tokens does
    with torch.no_grad():
        out = model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), **kwargs)
    return out[0, ids.shape[1] :].tolist()


def entry(lp_row, token_id):
    top = lp_row.topk(TOP_K)
    value = lp_row[token_id].item()
    return {
        "token_id": token_id,
        "logprob": value,
        "rank": int((lp_row > value).sum().item()) + 1,
        "top": [[int(i), float(v)] for v, i in zip(top.values.tolist(), top.indices.tolist())],
    }


def logprobs(torch, model, prompt_ids, generated):
    """Teacher-forced pass over prompt + generation: one log_softmax row per predicted token."""
    ids = torch.tensor([prompt_ids + generated])
    with torch.no_grad():
        lp = torch.log_softmax(model(input_ids=ids, use_cache=False).logits[0].float(), dim=-1)
    n = len(prompt_ids)
    prompt = [None] + [entry(lp[i - 1], prompt_ids[i]) for i in range(1, n)]
    steps = [entry(lp[n - 1 + j], tok) for j, tok in enumerate(generated)]
    for step in steps:
        step["margin"] = step["top"][0][1] - step["top"][1][1]
    argmax_mismatch = [j for j, s in enumerate(steps) if s["top"][0][0] != s["token_id"]]
    return {"prompt": prompt, "generated": steps, "argmax_mismatch_steps": argmax_mismatch}


def run_case(torch, model, tok, case):
    ids = torch.tensor([case["prompt_token_ids"]])
    try:
        stop = hf_generate(torch, model, ids, ignore_eos=False)
        raw = hf_generate(torch, model, ids, ignore_eos=True)
        case["method"] = "model.generate(do_sample=False)"
    except Exception as error:  # noqa: BLE001 - fall back to the plain argmax loop
        log(f"WARNING: generate failed ({error!r}); using the argmax loop")
        raw = greedy(torch, model, ids, NEW_TOKENS)[0, ids.shape[1] :].tolist()
        stop = raw[: raw.index(EOT_ID) + 1] if EOT_ID in raw else raw
        case["method"] = "argmax loop without cache"
    manual = greedy(torch, model, ids, NEW_TOKENS)[0, ids.shape[1] :].tolist()
    case["greedy"] = {
        "token_ids": stop,
        "text": tok.decode(stop, skip_special_tokens=True),
        "finish_reason": "stop" if stop and stop[-1] == EOT_ID else "length",
    }
    case["greedy_ignore_eos"] = {
        "token_ids": raw,
        "text": tok.decode(raw, skip_special_tokens=True),
        "tokens": tok.convert_ids_to_tokens(raw),
        "decoded_tokens": [tok.decode([t]) for t in raw],
    }
    case["argmax_loop_matches_generate"] = manual == raw
    case["logprobs"] = logprobs(torch, model, case["prompt_token_ids"], raw)
    return case


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="mirror of the repository root")
    parser.add_argument("--model", help="model folder (default: <out>/" + MODEL_SUBDIR + ")")
    args = parser.parse_args()
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    started = time.time()
    model_dir = args.model or os.path.join(args.out, MODEL_SUBDIR)
    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32, attn_implementation="eager")
    model = model.to("cpu").eval()
    check_model(model)
    assert all(p.dtype == torch.float32 for p in model.parameters())
    tok = AutoTokenizer.from_pretrained(model_dir)
    assert tok.is_fast and tok.bos_token_id == tok.eos_token_id == EOT_ID

    cases = []
    for i, prompt in enumerate(PROMPTS):
        ids = tok(prompt)["input_ids"]
        assert ids[0] == EOT_ID and EOT_ID not in ids[1:], ids
        cases.append({"name": f"prompt-{i}", "kind": "generate", "prompt": prompt, "prompt_token_ids": ids})
    for i, messages in enumerate(CHATS):
        rendered = tok.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        assert rendered == render_chat_reference(messages, True), rendered
        ids = tok(rendered, add_special_tokens=False)["input_ids"]
        assert ids[0] == EOT_ID and EOT_ID not in ids[1:], ids
        cases.append(
            {"name": f"chat-{i}", "kind": "chat", "messages": messages, "prompt": rendered, "prompt_token_ids": ids}
        )
    for case in cases:
        run_case(torch, model, tok, case)
        log(
            f"{case['name']}: {len(case['prompt_token_ids'])} prompt tokens; "
            f"{case['greedy']['finish_reason']} after {len(case['greedy']['token_ids'])}; "
            f"min margin {min(s['margin'] for s in case['logprobs']['generated']):.2e}; "
            f"{case['prompt']!r} -> {case['greedy_ignore_eos']['text'][:80]!r}"
        )

    fixture = {
        "description": "transformers greedy decoding of the demo model, float32 on the CPU (bf16 weights upcast)",
        "generator": "tools/demo-model/reference.py",
        "model": MODEL_SUBDIR.replace(os.sep, "/"),
        "model_sha256": sha256_file(os.path.join(model_dir, "model.safetensors")),
        "versions": versions(),
        "dtype": "float32",
        "device": "cpu",
        "attn_implementation": "eager",
        "max_new_tokens": NEW_TOKENS,
        "top_k_logprobs": TOP_K,
        "eos_token_id": EOT_ID,
        "bos_token_id": EOT_ID,
        "notes": [
            "prompt_token_ids: tokenizer(prompt) with add_special_tokens=True (BOS prepended); chat: the "
            "rendered template (which starts with the BOS text) tokenised with add_special_tokens=False",
            "greedy: stops at EOS; greedy_ignore_eos: min_new_tokens=64 (EOS masked), always 64 tokens",
            "logprobs: teacher-forced over prompt + greedy_ignore_eos; prompt[0] is null as in vLLM; "
            "rank = 1 + number of tokens with a larger logprob; margin = top-1 minus top-2 logprob",
            "text: decode(token_ids, skip_special_tokens=True)",
        ],
        "encode": [{"text": t, "token_ids": tok(t)["input_ids"]} for t in ENCODE_SAMPLES],
        "cases": cases,
    }
    path = os.path.join(args.out, FIXTURE_SUBDIR, "greedy.json")
    write_json(path, fixture)
    mismatches = sum(len(c["logprobs"]["argmax_mismatch_steps"]) for c in cases)
    loops = sum(not c["argmax_loop_matches_generate"] for c in cases)
    log(
        f"wrote {path} ({os.path.getsize(path) / 1e3:.0f} kB): {len(cases)} cases, "
        f"{mismatches} teacher-forced argmax mismatches, {loops} cases where the no-cache loop differs "
        f"from generate, in {time.time() - started:.1f}s"
    )


if __name__ == "__main__":
    main()
