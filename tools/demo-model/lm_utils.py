"""Model-side helpers shared by train.py and export.py: the architecture, the token streams,
the validation metric and a small sampler. torch is passed in so that importing this module
stays cheap."""

import math
import os

from common import CONTEXT_LENGTH, EOT_ID

# ~7M parameters (~14 MB in bf16, under the 16 MiB a file that the GPU host hands back, and
# light on the 64 MiB that travels to it with every run): 8 layers, hidden 256, 4 query heads
# and 2 KV heads of 64 (GQA 2:1), SwiGLU MLP of 704 (8/3 x 256 rounded up to a multiple of 64),
# tied input/output embeddings.
ARCH = {
    "hidden_size": 256,
    "intermediate_size": 704,
    "num_hidden_layers": 8,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "head_dim": 64,
    "hidden_act": "silu",
    "max_position_embeddings": CONTEXT_LENGTH,
    "initializer_range": 0.02,
    "rms_norm_eps": 1e-5,
    "tie_word_embeddings": True,
    "attention_bias": False,
    "attention_dropout": 0.0,
    "mlp_bias": False,
}
ROPE_THETA = 10000.0


def make_config(vocab_size):
    from transformers import LlamaConfig

    # No pad_token_id in the model config: it would become the embedding's padding_idx and
    # freeze the BOS row (BOS = EOS = PAD = 0). Padding is the tokenizer's business.
    common = dict(ARCH, vocab_size=vocab_size, bos_token_id=EOT_ID, eos_token_id=EOT_ID, pad_token_id=None)
    try:  # transformers 5 keeps RoPE settings in rope_parameters
        config = LlamaConfig(**common, rope_parameters={"rope_type": "default", "rope_theta": ROPE_THETA})
    except TypeError:
        config = LlamaConfig(**common, rope_theta=ROPE_THETA)
    rope = getattr(config, "rope_parameters", None)
    theta = rope.get("rope_theta") if isinstance(rope, dict) else getattr(config, "rope_theta", None)
    assert theta == ROPE_THETA, f"rope theta is {theta}"
    assert config.head_dim * config.num_attention_heads == config.hidden_size
    config.architectures = ["LlamaForCausalLM"]
    return config


def new_model(torch, config, seed, device):
    """A freshly initialised float32 model (same seed, same weights)."""
    from transformers import AutoModelForCausalLM

    torch.manual_seed(seed)
    try:
        model = AutoModelForCausalLM.from_config(config, attn_implementation="sdpa")
    except (TypeError, ValueError):
        model = AutoModelForCausalLM.from_config(config)
    model = model.float().to(device)
    check_model(model)
    return model


def check_model(model):
    assert type(model).__name__ == "LlamaForCausalLM", type(model).__name__
    assert model.model.embed_tokens.padding_idx is None, "a padding_idx would freeze the BOS embedding"
    assert model.lm_head.weight.data_ptr() == model.model.embed_tokens.weight.data_ptr(), "embeddings not tied"


def parameter_counts(model):
    total = sum(p.numel() for p in model.parameters())  # parameters() yields tied weights once
    embedding = model.model.embed_tokens.weight.numel()
    return {"total": total, "embedding": embedding, "non_embedding": total - embedding}


def load_token_streams(torch, tokenizer_dir, train_text, val_text, device):
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(os.path.join(tokenizer_dir, "tokenizer.json"))
    vocab_size = tok.get_vocab_size(with_added_tokens=True)
    streams = []
    for text in (train_text, val_text):
        ids = tok.encode(text, add_special_tokens=False).ids
        assert EOT_ID not in ids, "the corpus should not contain the special token"
        assert max(ids) < vocab_size
        streams.append(torch.tensor(ids, dtype=torch.long, device=device))
    return streams[0], streams[1], vocab_size


def evaluate(torch, model, data, autocast, device, batch_size=64):
    """Mean next-token loss over a whole stream, every token predicted exactly once: the stream
    is cut into windows of CONTEXT_LENGTH targets, each read after a BOS (as in training)."""
    F = torch.nn.functional
    ids, T = data["ids"], CONTEXT_LENGTH
    full = len(ids) // T
    windows = [ids[: full * T].view(full, T)[i : i + batch_size] for i in range(0, full, batch_size)]
    if len(ids) > full * T:
        windows.append(ids[full * T :].view(1, -1))
    was_training = model.training
    model.eval()
    nll = torch.zeros((), dtype=torch.float64, device=device)
    with torch.no_grad():
        for y in windows:
            x = torch.cat([torch.full_like(y[:, :1], EOT_ID), y[:, :-1]], dim=1)
            with autocast():
                logits = model(input_ids=x, use_cache=False).logits
            nll += F.cross_entropy(logits.float().reshape(-1, logits.size(-1)), y.reshape(-1), reduction="sum").double()
    model.train(was_training)
    total = nll.item()
    loss, per_char = total / len(ids), total / data["chars"]
    return {
        "loss": loss,
        "ppl": math.exp(loss),
        "tokens": len(ids),
        "chars": data["chars"],
        "loss_per_char": per_char,
        "ppl_per_char": math.exp(per_char),
        "bits_per_char": per_char / math.log(2),
    }


def sample(torch, model, ids, num_tokens, temperature, seed):
    """Plain temperature sampling (no cache: the model is tiny), for a look at the text."""
    gen = torch.Generator(device=ids.device).manual_seed(seed)
    was_training = model.training
    model.eval()
    with torch.no_grad():
        for _ in range(num_tokens):
            logits = model(input_ids=ids[:, -CONTEXT_LENGTH:], use_cache=False).logits[:, -1].float()
            probs = torch.softmax(logits / temperature, dim=-1)
            ids = torch.cat([ids, torch.multinomial(probs, 1, generator=gen)], dim=1)
    model.train(was_training)
    return ids


def greedy(torch, model, ids, num_tokens):
    """Greedy continuation without a KV cache (float32 when the model is float32)."""
    was_training = model.training
    model.eval()
    with torch.no_grad():
        for _ in range(num_tokens):
            logits = model(input_ids=ids[:, -CONTEXT_LENGTH:], use_cache=False).logits[:, -1].float()
            ids = torch.cat([ids, logits.argmax(dim=-1, keepdim=True)], dim=1)
    model.train(was_training)
    return ids
