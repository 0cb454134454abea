"""Export the best checkpoint as a Hugging Face model folder (bf16 safetensors) with a model card.

    python3 tools/demo-model/export.py --corpus <tinyshakespeare.txt> --work <dir> --out <repo mirror>

Writes <out>/packages/llm/models/tiny-shakespeare/ (config.json, generation_config.json,
model.safetensors, tokenizer files, chat_template.jinja, README.md) and
<out>/tools/demo-model/results/training.json. The folder is then reloaded with transformers in
float32 (bf16 weights upcast, as vllm-ts's CPU backend does) to measure the shipped model.
"""

import argparse
import os
import shutil
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import (  # noqa: E402
    EOT_ID,
    MODEL_SUBDIR,
    RESULTS_SUBDIR,
    fail,
    log,
    read_corpus,
    read_json,
    render_chat_reference,
    sha256_file,
    split_corpus,
    versions,
    write_json,
)
from lm_utils import check_model, evaluate, greedy, load_token_streams, parameter_counts  # noqa: E402
from model_card import write_model_card  # noqa: E402

MAX_BYTES = 25_000_000  # the limit for a committed model
GENERATION_DEFAULTS = {"do_sample": True, "temperature": 0.8, "top_p": 0.95, "max_new_tokens": 100}


def build_bf16_model(torch, work):
    from transformers import LlamaConfig, LlamaForCausalLM

    config = LlamaConfig.from_pretrained(os.path.join(work, "config"))
    model = LlamaForCausalLM(config)
    state = torch.load(os.path.join(work, "best.pt"), map_location="cpu", weights_only=True)["state_dict"]
    missing, unexpected = model.load_state_dict(state, strict=False)
    assert not unexpected, f"unexpected weights: {unexpected}"
    assert set(missing) <= {"lm_head.weight"}, f"missing weights: {missing}"
    check_model(model)
    return model.to(torch.bfloat16).eval()


def save_model(torch, model, model_dir):
    from transformers import GenerationConfig

    model.generation_config = GenerationConfig(
        bos_token_id=EOT_ID, eos_token_id=EOT_ID, pad_token_id=EOT_ID, **GENERATION_DEFAULTS
    )
    model.save_pretrained(model_dir)
    model.generation_config.save_pretrained(model_dir)
    check_safetensors(torch, model_dir)
    check_config(model_dir)


def check_safetensors(torch, model_dir):
    from safetensors import safe_open
    from safetensors.torch import save_file

    names = sorted(os.listdir(model_dir))
    assert "model.safetensors" in names, f"expected one model.safetensors, got {names}"
    assert not any(n.endswith(".index.json") for n in names), f"sharded checkpoint: {names}"
    path = os.path.join(model_dir, "model.safetensors")
    with safe_open(path, framework="pt") as handle:
        tensors = {k: handle.get_tensor(k) for k in handle.keys()}
        metadata = handle.metadata() or {}
    dtypes = {str(t.dtype) for t in tensors.values()}
    assert dtypes == {"torch.bfloat16"}, f"weights are {dtypes}, expected bfloat16 only"
    if "lm_head.weight" in tensors:
        # The tied head is a copy of the embedding: drop it so the file holds it once.
        log("model.safetensors holds lm_head.weight (tied); rewriting without it")
        assert torch.equal(tensors.pop("lm_head.weight"), tensors["model.embed_tokens.weight"])
        save_file(tensors, path, metadata={**metadata, "format": "pt"})
    size = os.path.getsize(path)
    if size > MAX_BYTES:
        fail(f"model.safetensors is {size} bytes, over the {MAX_BYTES} limit")
    if size > 16 * 1024 * 1024:
        log("WARNING: model.safetensors is over 16 MiB, the most the GPU host hands back as one file")
    log(f"model.safetensors: {len(tensors)} tensors, {size / 1e6:.2f} MB, bf16")


def ensure_keys(path, expected):
    """Make sure readers that do not know transformers' defaults see these values explicitly."""
    data = read_json(path)
    changed = {k: v for k, v in expected.items() if data.get(k) != v}
    if changed:
        log(f"{os.path.basename(path)}: setting {changed} (was {({k: data.get(k) for k in changed})})")
        data.update(changed)
        write_json(path, data)
    return data


def check_config(model_dir):
    path = os.path.join(model_dir, "config.json")
    config = read_json(path)
    assert config.get("model_type") == "llama", config.get("model_type")
    expected = {
        "architectures": ["LlamaForCausalLM"],
        "tie_word_embeddings": True,
        "bos_token_id": EOT_ID,
        "eos_token_id": EOT_ID,
    }
    if config.get("dtype", config.get("torch_dtype")) != "bfloat16":
        expected["torch_dtype"] = "bfloat16"
    ensure_keys(path, expected)
    gen_path = os.path.join(model_dir, "generation_config.json")
    ensure_keys(gen_path, {"bos_token_id": EOT_ID, "eos_token_id": EOT_ID, "pad_token_id": EOT_ID, **GENERATION_DEFAULTS})


def copy_tokenizer(work, model_dir):
    source = os.path.join(work, "tokenizer")
    copied = []
    for name in sorted(os.listdir(source)):
        if name in ("config.json", "generation_config.json"):
            continue
        shutil.copyfile(os.path.join(source, name), os.path.join(model_dir, name))
        copied.append(name)
    log(f"tokenizer files: {copied}")


def reload_and_measure(torch, model_dir, work, train_text, val_text):
    """Reload like a user would, in float32, and measure the shipped weights."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    torch.backends.cuda.matmul.allow_tf32 = False  # a float32 measurement, not TF32
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32).to(device).eval()
    check_model(model)
    assert next(model.parameters()).dtype == torch.float32
    tok = AutoTokenizer.from_pretrained(model_dir)
    assert tok.is_fast and tok.bos_token_id == tok.eos_token_id == EOT_ID, type(tok).__name__
    messages = [{"role": "user", "content": "Good morrow."}]
    rendered = tok.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    assert rendered == render_chat_reference(messages, True), rendered

    train, val, _ = load_token_streams(torch, os.path.join(work, "tokenizer"), train_text, val_text, device)
    off = lambda: torch.autocast(device.type, enabled=False)  # noqa: E731
    val_m = evaluate(torch, model, {"ids": val, "chars": len(val_text)}, off, device)
    train_m = evaluate(torch, model, {"ids": train, "chars": len(train_text)}, off, device)
    samples = {}
    for prompt in ("ROMEO:", "To be, or not to be"):
        ids = torch.tensor([tok(prompt)["input_ids"]], device=device)
        samples[prompt] = tok.decode(greedy(torch, model, ids, 48)[0].tolist(), skip_special_tokens=True)
    return {"val": val_m, "train": train_m, "greedy_samples": samples, "parameters": parameter_counts(model)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--out", required=True, help="mirror of the repository root")
    args = parser.parse_args()
    import torch

    started = time.time()
    model_dir = os.path.join(args.out, MODEL_SUBDIR)
    if os.path.isdir(model_dir):
        shutil.rmtree(model_dir)
    os.makedirs(model_dir)
    model = build_bf16_model(torch, args.work)
    save_model(torch, model, model_dir)
    copy_tokenizer(args.work, model_dir)

    text, _ = read_corpus(args.corpus)
    train_text, val_text = split_corpus(text)
    shipped = reload_and_measure(torch, model_dir, args.work, train_text, val_text)
    log(
        f"shipped model (bf16 weights, float32 compute): val loss {shipped['val']['loss']:.4f}, "
        f"ppl {shipped['val']['ppl']:.2f}/token, {shipped['val']['ppl_per_char']:.3f}/char; "
        f"train loss {shipped['train']['loss']:.4f}"
    )

    training = read_json(os.path.join(args.work, "train_metrics.json"))
    results = {
        "training": training,
        "tokenizer": read_json(os.path.join(args.work, "tokenizer_stats.json")),
        "shipped": shipped,
        "files": {n: os.path.getsize(os.path.join(model_dir, n)) for n in sorted(os.listdir(model_dir))},
        "model_sha256": sha256_file(os.path.join(model_dir, "model.safetensors")),
        "export_versions": versions(),
    }
    write_model_card(model_dir, results, read_json(os.path.join(model_dir, "config.json")))
    results["files"]["README.md"] = os.path.getsize(os.path.join(model_dir, "README.md"))
    write_json(os.path.join(args.out, RESULTS_SUBDIR, "training.json"), results)
    total = sum(results["files"].values())
    log(f"exported {model_dir}: {len(results['files'])} files, {total / 1e6:.2f} MB in {time.time() - started:.1f}s")


if __name__ == "__main__":
    main()
