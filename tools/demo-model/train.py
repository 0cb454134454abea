"""Train the demo model (a ~7M-parameter Llama) on tinyshakespeare on one GPU, within a budget.

    python3 tools/demo-model/train.py --corpus <tinyshakespeare.txt> --work <dir> [--budget-seconds 240]

Needs <work>/tokenizer from train_tokenizer.py. The corpus is tiny (~0.3M training tokens), so
the model overfits within tens of epochs; rather than guess the schedule, a short sweep of
complete warm-up + cosine runs (peak learning rate x length) is trained one after the other,
validation loss is measured every few steps, and the best checkpoint over all runs is kept
(model selection on the validation split). Writes <work>/best.pt, <work>/config/config.json
and <work>/train_metrics.json.
"""

import argparse
import math
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import CONTEXT_LENGTH, EOT_ID, fail, log, read_corpus, split_corpus, versions, write_json  # noqa: E402
from lm_utils import evaluate, load_token_streams, make_config, new_model, parameter_counts, sample  # noqa: E402

DEFAULT_SWEEP = "1e-3:1200,1e-3:600,2e-3:1200,1e-3:2400,5e-4:2400,2e-3:600,2e-3:2400,3e-3:1200"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--budget-seconds", type=float, default=240.0, help="wall clock for all runs")
    parser.add_argument("--sweep", default=DEFAULT_SWEEP, help="peak_lr:steps,... trained in order")
    parser.add_argument("--max-steps", type=int, default=0, help="cap every run at this many steps")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--warmup-steps", type=int, default=100)
    parser.add_argument("--min-lr-ratio", type=float, default=0.1)
    parser.add_argument("--weight-decay", type=float, default=0.1)
    parser.add_argument("--eval-every", type=int, default=25)
    parser.add_argument("--patience", type=int, default=12, help="evals without improvement before a run stops")
    parser.add_argument("--seed", type=int, default=1234)
    return parser.parse_args()


def parse_sweep(spec, max_steps):
    runs = []
    for item in spec.split(","):
        lr, steps = item.split(":")
        steps = int(steps) if max_steps <= 0 else min(int(steps), max_steps)
        runs.append({"peak_lr": float(lr), "steps": steps})
    return runs


def lr_at(step, run, warmup, min_ratio):
    peak, total = run["peak_lr"], run["steps"]
    warmup = min(warmup, max(1, total // 10))
    if step < warmup:
        return peak * (step + 1) / warmup
    progress = (step - warmup) / max(1, total - warmup)
    return peak * (min_ratio + (1 - min_ratio) * 0.5 * (1 + math.cos(math.pi * progress)))


def optimizer_for(torch, model, weight_decay, fused):
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    groups = [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
    extra = {"fused": True} if fused else {}  # the fused CUDA kernel: one launch per step
    return torch.optim.AdamW(groups, lr=1e-4, betas=(0.9, 0.95), eps=1e-8, **extra)


def sample_batch(torch, ctx, gen, batch_size):
    """A batch of random windows of the training stream: targets y, inputs BOS + y shifted by one."""
    train, T, device = ctx["train"], CONTEXT_LENGTH, ctx["device"]
    starts = torch.randint(0, len(train) - T + 1, (batch_size,), generator=gen).to(device)
    y = train[starts[:, None] + torch.arange(T, device=device)]
    x = torch.cat([torch.full_like(y[:, :1], EOT_ID), y[:, :-1]], dim=1)
    return x, y


def eval_point(torch, ctx, model, record, step, lr, train_loss):
    """Measure the validation loss, log it in the run's record, and keep the weights when they
    beat every run so far."""
    val = evaluate(torch, model, ctx["val"], ctx["autocast"], ctx["device"])["loss"]
    record["evals"].append({"step": step, "lr": lr, "train_loss": train_loss, "val_loss": val})
    if val < ctx["best"]["val_loss"]:
        state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        ctx["best"] = {"val_loss": val, "run": record["index"], "step": step, "state": state}
    return val


def train_run(torch, args, ctx, run, index, deadline):
    """One warm-up + cosine run; returns its record and updates ctx['best'] when it improves."""
    F = torch.nn.functional
    model = new_model(torch, ctx["config"], args.seed, ctx["device"])
    opt = optimizer_for(torch, model, args.weight_decay, ctx["device"].type == "cuda")
    gen = torch.Generator().manual_seed(args.seed + 1)
    record = {"index": index, **run, "evals": [], "stopped": "steps"}
    run_best, stale, running, count = float("inf"), 0, torch.zeros((), device=ctx["device"]), 0
    started, done, lr = time.time(), 0, 0.0
    for step in range(run["steps"]):
        if time.time() > deadline:
            record["stopped"] = "budget"
            break
        done = step + 1
        lr = lr_at(step, run, args.warmup_steps, args.min_lr_ratio)
        for group in opt.param_groups:
            group["lr"] = lr
        x, y = sample_batch(torch, ctx, gen, args.batch_size)
        if step == 0:
            expected = (args.batch_size, CONTEXT_LENGTH)
            assert x.shape == y.shape == expected and bool((x[:, 1:] == y[:, :-1]).all()), (x.shape, y.shape)
        with ctx["autocast"]():
            logits = model(input_ids=x, use_cache=False).logits
        loss = F.cross_entropy(logits.float().reshape(-1, logits.size(-1)), y.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        running += loss.detach()
        count += 1
        if done % args.eval_every and done != run["steps"]:
            continue
        train_loss = (running / count).item()
        running.zero_()
        count = 0
        if not math.isfinite(train_loss):
            record["stopped"] = "diverged"
            log(f"run {index}: loss is {train_loss} at step {done}; abandoning the run")
            break
        val = eval_point(torch, ctx, model, record, done, lr, train_loss)
        run_best, stale = (val, 0) if val < run_best else (run_best, stale + 1)
        if done % (args.eval_every * 8) == 0:
            log(
                f"run {index} step {done:5d}/{run['steps']} lr {lr:.2e} train {train_loss:.4f} "
                f"val {val:.4f} (run best {run_best:.4f}, global best {ctx['best']['val_loss']:.4f})"
            )
        if stale >= args.patience and val > run_best + 0.01:
            record["stopped"] = "overfitting"
            break
    if record["stopped"] == "budget" and count > 0:  # the steps since the last evaluation count too
        train_loss = (running / count).item()
        if math.isfinite(train_loss):
            run_best = min(run_best, eval_point(torch, ctx, model, record, done, lr, train_loss))
    if ctx["device"].type == "cuda":
        torch.cuda.synchronize()
    record.update({"steps_done": done, "seconds": time.time() - started, "best_val_loss": run_best})
    record["ms_per_step"] = 1000 * record["seconds"] / max(1, record["steps_done"])
    log(
        f"run {index} (lr {run['peak_lr']:.0e}, {run['steps']} steps) stopped by {record['stopped']} "
        f"after {record['steps_done']} steps, {record['seconds']:.1f}s ({record['ms_per_step']:.1f} ms/step); "
        f"best val {run_best:.4f}"
    )
    return record


def main():
    args = parse_args()
    import torch

    t0 = time.time()
    if not torch.cuda.is_available():
        log("WARNING: no CUDA device; training on the CPU in float32 (slow: for smoke tests only)")
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    torch.backends.cuda.matmul.allow_tf32 = True
    torch.backends.cudnn.allow_tf32 = True
    if device.type == "cuda":
        autocast = lambda: torch.autocast("cuda", dtype=torch.bfloat16)  # noqa: E731
    else:
        autocast = lambda: torch.autocast("cpu", enabled=False)  # noqa: E731

    text, _ = read_corpus(args.corpus)
    train_text, val_text = split_corpus(text)
    tokenizer_dir = os.path.join(args.work, "tokenizer")
    train, val, vocab_size = load_token_streams(torch, tokenizer_dir, train_text, val_text, device)
    config = make_config(vocab_size)
    counts = parameter_counts(new_model(torch, config, args.seed, device))
    log(f"model: {counts}; train {len(train)} tokens, validation {len(val)} tokens, device {device}")
    assert len(train) > 4 * CONTEXT_LENGTH, "training stream too short"

    ctx = {
        "config": config,
        "device": device,
        "autocast": autocast,
        "train": train,
        "val": {"ids": val, "chars": len(val_text)},
        "best": {"val_loss": float("inf")},
    }
    deadline = t0 + args.budget_seconds
    runs = []
    for index, run in enumerate(parse_sweep(args.sweep, args.max_steps)):
        if time.time() > deadline:
            log(f"budget spent; skipping run {index} and the rest of the sweep")
            break
        runs.append(train_run(torch, args, ctx, run, index, deadline))
    best = ctx["best"]
    if "state" not in best:
        fail("no run produced a finite validation loss")

    model = new_model(torch, config, args.seed, device)
    model.load_state_dict(best["state"])
    final_val = evaluate(torch, model, ctx["val"], autocast, device)
    final_train = evaluate(torch, model, {"ids": train, "chars": len(train_text)}, autocast, device)
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(os.path.join(tokenizer_dir, "tokenizer.json"))
    prompt = torch.tensor([tok.encode("ROMEO:").ids], device=device)
    text_sample = tok.decode(sample(torch, model, prompt, 80, 0.8, args.seed)[0].tolist())

    os.makedirs(os.path.join(args.work, "config"), exist_ok=True)
    config.save_pretrained(os.path.join(args.work, "config"))
    state = {k: v.float().cpu() for k, v in best["state"].items()}
    torch.save({"state_dict": state}, os.path.join(args.work, "best.pt"))
    metrics = {
        "device": torch.cuda.get_device_name(0) if device.type == "cuda" else "cpu",
        "versions": versions(),
        "parameters": counts,
        "train_tokens": len(train),
        "val_tokens": len(val),
        "context_length": CONTEXT_LENGTH,
        "batch_size": args.batch_size,
        "tokens_per_step": args.batch_size * CONTEXT_LENGTH,
        "optimizer": {
            "name": "AdamW",
            "betas": [0.9, 0.95],
            "weight_decay": args.weight_decay,
            "grad_clip": 1.0,
            "warmup_steps": args.warmup_steps,
            "schedule": f"linear warm-up, cosine to {args.min_lr_ratio} x peak",
            "precision": "bf16 autocast, fp32 master weights" if device.type == "cuda" else "fp32",
        },
        "seed": args.seed,
        "budget_seconds": args.budget_seconds,
        "sweep": runs,
        "best": {"run": best["run"], "step": best["step"], "peak_lr": runs[best["run"]]["peak_lr"]},
        "best_train": final_train,
        "best_val": final_val,
        "sample_romeo_t0.8": text_sample,
        "train_seconds": time.time() - t0,
    }
    write_json(os.path.join(args.work, "train_metrics.json"), metrics)
    log(
        f"best: run {best['run']} step {best['step']}: train loss {final_train['loss']:.4f}, "
        f"val loss {final_val['loss']:.4f} (ppl {final_val['ppl']:.2f}/token, "
        f"{final_val['ppl_per_char']:.3f}/char, {final_val['bits_per_char']:.3f} bits/char)"
    )
    log(f"sample (T=0.8):\n{text_sample}")


if __name__ == "__main__":
    main()
