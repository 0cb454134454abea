"""The model card (README.md) of the exported demo model, filled from the measured results."""

import os


def _sweep_rows(training):
    rows = []
    for run in training["sweep"]:
        rows.append(
            f"| {run['index']} | {run['peak_lr']:.0e} | {run['steps']} | {run['steps_done']} | "
            f"{run['stopped']} | {run['best_val_loss']:.4f} |"
        )
    return "\n".join(rows)


def write_model_card(model_dir, results, config):
    training, tokenizer, shipped = results["training"], results["tokenizer"], results["shipped"]
    params = shipped["parameters"]
    val, train = shipped["val"], shipped["train"]
    best = training["best"]
    best_run = training["sweep"][best["run"]]
    size_mb = results["files"]["model.safetensors"] / 1e6
    rope = config.get("rope_parameters") or {}
    theta = rope.get("rope_theta", config.get("rope_theta"))
    theta = f"{theta:g}" if isinstance(theta, (int, float)) else str(theta)
    samples = "\n\n".join(f"```text\n{text}\n```" for text in shipped["greedy_samples"].values())
    versions = training["versions"]
    card = f"""---
license: apache-2.0
library_name: transformers
pipeline_tag: text-generation
language: en
tags:
  - llama
  - tiny
  - shakespeare
  - vllm-ts
---

# tiny-shakespeare

The embedded default model of [vllm-ts](../../../../README.md): a Llama-architecture language model
of {params['total'] / 1e6:.1f} M parameters with its own byte-level BPE tokenizer, trained from scratch
on tinyshakespeare. It exists so that `npm run demo` shows vllm-ts working with no network and no
download. It writes text that looks like a play (speaker names in capitals followed by a colon,
verse-like lines); it knows nothing else and is not an assistant.

## Intended use

- The offline demo and the end-to-end tests of vllm-ts (its greedy output is compared with
  transformers' in `packages/llm/test/fixtures/demo-model/greedy.json`).
- Not for any real use: it is tiny, trained on 1 MB of text, and imitates its training data.

## Model

| | |
|---|---|
| Architecture | `LlamaForCausalLM`, {config['num_hidden_layers']} layers, hidden {config['hidden_size']}, SwiGLU MLP {config['intermediate_size']} |
| Attention | {config['num_attention_heads']} query heads, {config['num_key_value_heads']} KV heads (GQA), head size {config.get('head_dim')}, RoPE θ = {theta} |
| Context | {config['max_position_embeddings']} tokens (the training window) |
| Parameters | {params['total']:,} ({params['non_embedding']:,} without the embedding; input and output embeddings tied) |
| Weights | `model.safetensors`, bfloat16, {size_mb:.1f} MB |
| Vocabulary | {tokenizer['vocab_size']} byte-level BPE tokens |

## Tokenizer

Byte-level BPE (Hugging Face `tokenizers`: ByteLevel pre-tokenizer without prefix space, ByteLevel
decoder), {tokenizer['vocab_size']} tokens, trained on the training split only
({tokenizer['train_chars_per_token']:.2f} characters per token on it, {tokenizer['val_chars_per_token']:.2f} on the validation split).
One special token, `<|endoftext|>` (id 0), serves as BOS, EOS and padding; encoding with special
tokens prepends it, as Llama tokenizers prepend their BOS. The corpus has no document boundaries, so the model never
learned to emit it: generations end at `max_tokens` or a stop string (a blank line ends a speech).

The chat template writes each message as a speech, `ROLE:` on its own line, the content, then a
blank line, and the generation prompt opens the assistant's speech:

```text
<|endoftext|>USER:
Good morrow, friend.

ASSISTANT:
```

## Training data

[tinyshakespeare](https://github.com/karpathy/char-rnn/blob/master/data/tinyshakespeare/input.txt)
({training['train_tokens'] + training['val_tokens']:,} tokens, {tokenizer['train_chars'] + tokenizer['val_chars']:,} characters): works of
Shakespeare, public domain; the file comes from karpathy/char-rnn (MIT). The first 90% (cut after
a blank line) is the training split, the last 10% the validation split, unseen by the tokenizer
and the weights (it was used to pick the checkpoint).

## Training

PyTorch on one {training['device']}, bf16 autocast with float32 master weights, AdamW (β = 0.9,
0.95, weight decay {training['optimizer']['weight_decay']}, gradient clipping 1.0), linear warm-up then cosine decay,
no dropout, batches of {training['batch_size']} random windows of {training['context_length']} tokens (each read after
`<|endoftext|>`), seed {training['seed']}. The corpus is small, so the model overfits within tens of
epochs; a sweep of complete schedules was trained and the checkpoint with the lowest validation
loss kept: run {best['run']} (peak learning rate {best_run['peak_lr']:.0e}), step {best['step']}
({best['step'] * training['tokens_per_step'] / training['train_tokens']:.1f} epochs).
Total training time {training['train_seconds']:.0f} s.

| run | peak lr | planned steps | steps run | stopped by | best val loss |
|---|---|---|---|---|---|
{_sweep_rows(training)}

## Evaluation

The shipped bfloat16 weights, evaluated in float32 (every token predicted once, in windows of
{training['context_length']} tokens after `<|endoftext|>`):

| split | tokens | loss / token | perplexity / token | loss / char | perplexity / char | bits / char |
|---|---|---|---|---|---|---|
| train | {train['tokens']:,} | {train['loss']:.4f} | {train['ppl']:.2f} | {train['loss_per_char']:.4f} | {train['ppl_per_char']:.3f} | {train['bits_per_char']:.3f} |
| validation | {val['tokens']:,} | {val['loss']:.4f} | {val['ppl']:.2f} | {val['loss_per_char']:.4f} | {val['ppl_per_char']:.3f} | {val['bits_per_char']:.3f} |

Greedy continuations (transformers, float32):

{samples}

## Use

```ts
import {{ LLM, SamplingParams }} from "@vllm-ts/llm";

const llm = new LLM({{ model: "packages/llm/models/tiny-shakespeare" }});
const [out] = await llm.generate("ROMEO:", new SamplingParams({{ temperature: 0.8, topP: 0.95, maxTokens: 100 }}));
console.log(out.outputs[0].text);
```

`generation_config.json` carries the defaults (temperature 0.8, top-p 0.95, 100 new tokens).

## Reproduce

`bash tools/demo-model/run_all.sh <testdata> <out>` (see `tools/demo-model/README.md`); this
card was written by `tools/demo-model/export.py` with torch {versions['torch']}, transformers
{versions['transformers']}, tokenizers {versions['tokenizers']}.

## Licence

The weights, tokenizer and code: Apache-2.0. The training text is in the public domain.
"""
    with open(os.path.join(model_dir, "README.md"), "w", encoding="utf-8") as handle:
        handle.write(card)
