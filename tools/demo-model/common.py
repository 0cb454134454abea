"""Constants and small helpers shared by the demo-model scripts (no torch import here).

The demo model is vllm-ts's embedded default: a small Llama trained on tinyshakespeare with its
own byte-level BPE tokenizer. Every script imports its split, special tokens and chat template
from here so that tokenizer training, model training, export and the reference agree.
"""

import hashlib
import json
import os
import sys
import time

# Where the model and the fixture live, relative to the repository root (and to --out).
MODEL_SUBDIR = os.path.join("packages", "llm", "models", "tiny-shakespeare")
FIXTURE_SUBDIR = os.path.join("packages", "llm", "test", "fixtures", "demo-model")
RESULTS_SUBDIR = os.path.join("tools", "demo-model", "results")

CORPUS_SHA256 = "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed"
TRAIN_FRACTION = 0.9

# One special token, GPT-2 style: it is BOS (prepended by the tokenizer), EOS and PAD.
# The corpus has no document boundaries, so the model never learns to emit it: generations
# stop by max_tokens or stop strings. The role markers of the chat template are plain text
# speaker names ("USER:", "ASSISTANT:"), which the model knows from the play format, rather
# than special tokens it would never have seen in training.
EOT = "<|endoftext|>"
EOT_ID = 0
VOCAB_SIZE = 4096
CONTEXT_LENGTH = 512  # training window = max_position_embeddings = model_max_length

# Every message becomes a speech: "ROLE:\n<content>\n\n", as speeches are written in the corpus;
# the generation prompt opens the assistant's speech. The template uses only filters that
# both jinja2 (transformers) and @huggingface/jinja (vllm-ts) implement.
CHAT_TEMPLATE = (
    "{{- bos_token -}}\n"
    "{%- for message in messages -%}\n"
    "{{- (message['role'] | upper) + ':\\n' + message['content'] + '\\n\\n' -}}\n"
    "{%- endfor -%}\n"
    "{%- if add_generation_prompt -%}\n"
    "{{- 'ASSISTANT:\\n' -}}\n"
    "{%- endif -%}\n"
)


def render_chat_reference(messages, add_generation_prompt):
    """What CHAT_TEMPLATE must render, written in Python to check the Jinja rendering."""
    text = EOT
    for message in messages:
        text += message["role"].upper() + ":\n" + message["content"] + "\n\n"
    if add_generation_prompt:
        text += "ASSISTANT:\n"
    return text


def read_corpus(path):
    with open(path, "rb") as handle:
        data = handle.read()
    digest = hashlib.sha256(data).hexdigest()
    if digest != CORPUS_SHA256:
        log(f"WARNING: corpus sha256 {digest} differs from SOURCE.txt ({CORPUS_SHA256})")
    text = data.decode("utf-8")
    assert text.isascii(), "tinyshakespeare is ASCII; per-character figures assume 1 byte = 1 char"
    return text, digest


def split_corpus(text, fraction=TRAIN_FRACTION):
    """First ~90% for training, the rest for validation, cut after a blank line so that the
    validation text starts with a speaker's name. The tokenizer never sees the validation text."""
    cut = text.find("\n\n", int(len(text) * fraction))
    assert cut > 0, "no blank line after the 90% mark"
    cut += 2
    return text[:cut], text[cut:]


def sha256_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_json(path, value):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(value, handle, indent=2, ensure_ascii=False)
        handle.write("\n")


def read_json(path):
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


_START = time.time()


def log(message):
    print(f"[{time.time() - _START:7.1f}s] {message}", flush=True)


def fail(message):
    print(f"ERROR: {message}", file=sys.stderr, flush=True)
    sys.exit(1)


def versions():
    """Versions of the libraries that produced an artefact (imported lazily)."""
    import platform

    found = {"python": platform.python_version()}
    for name in ("torch", "transformers", "tokenizers", "safetensors", "numpy"):
        try:
            module = __import__(name)
            found[name] = getattr(module, "__version__", "unknown")
        except ImportError:
            found[name] = None
    return found
