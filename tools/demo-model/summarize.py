"""Print the summary table of a run_all.sh run (no torch needed).

    python3 tools/demo-model/summarize.py --out <repo mirror>
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import FIXTURE_SUBDIR, MODEL_SUBDIR, RESULTS_SUBDIR, read_json  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--seconds", type=float, default=None, help="wall time of the whole run")
    args = parser.parse_args()
    results = read_json(os.path.join(args.out, RESULTS_SUBDIR, "training.json"))
    fixture = read_json(os.path.join(args.out, FIXTURE_SUBDIR, "greedy.json"))
    training, shipped, tokenizer = results["training"], results["shipped"], results["tokenizer"]
    val, train = shipped["val"], shipped["train"]
    best = training["best"]
    rows = [
        ("model folder", os.path.join(args.out, MODEL_SUBDIR)),
        ("parameters", f"{shipped['parameters']['total']:,} ({shipped['parameters']['non_embedding']:,} non-embedding)"),
        ("model.safetensors", f"{results['files']['model.safetensors'] / 1e6:.2f} MB (bf16)"),
        ("folder total", f"{sum(results['files'].values()) / 1e6:.2f} MB in {len(results['files'])} files"),
        ("vocabulary", f"{tokenizer['vocab_size']} tokens, {tokenizer['train_chars_per_token']:.2f} chars/token"),
        ("tokens", f"train {training['train_tokens']:,}, validation {training['val_tokens']:,}"),
        ("best checkpoint", f"run {best['run']} (peak lr {best['peak_lr']:.0e}), step {best['step']}"),
        ("train loss", f"{train['loss']:.4f} / token"),
        ("val loss", f"{val['loss']:.4f} / token, {val['loss_per_char']:.4f} / char, {val['bits_per_char']:.3f} bits/char"),
        ("val perplexity", f"{val['ppl']:.2f} / token, {val['ppl_per_char']:.3f} / char"),
        ("training time", f"{training['train_seconds']:.0f} s on {training['device']}"),
        ("versions", ", ".join(f"{k} {v}" for k, v in fixture["versions"].items())),
        ("fixture", f"{os.path.join(args.out, FIXTURE_SUBDIR, 'greedy.json')} ({len(fixture['cases'])} cases)"),
    ]
    if args.seconds is not None:
        rows.append(("wall time", f"{args.seconds:.0f} s for run_all.sh"))
    width = max(len(name) for name, _ in rows)
    print("\n== tiny-shakespeare demo model ==")
    for name, value in rows:
        print(f"{name.ljust(width)}  {value}")
    for case in fixture["cases"][2:4]:
        print(f"\n-- greedy, {case['prompt']!r} --\n{case['prompt']}{case['greedy_ignore_eos']['text']}")
    sample = training.get("sample_romeo_t0.8")
    if sample:
        print(f"\n-- sampled at temperature 0.8 --\n{sample}")


if __name__ == "__main__":
    main()
