"""Train the demo model's byte-level BPE tokenizer on the training part of tinyshakespeare.

    python3 tools/demo-model/train_tokenizer.py --corpus <tinyshakespeare.txt> --work <dir>

Writes <work>/tokenizer/ (tokenizer.json, tokenizer_config.json, chat_template.jinja) and
<work>/tokenizer_stats.json, after checking that `tokenizers` and transformers' fast tokenizer
encode, decode and render the chat template exactly as intended. Only the first ~90% of the
corpus is seen (the validation text stays unseen).
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import (  # noqa: E402
    CHAT_TEMPLATE,
    CONTEXT_LENGTH,
    EOT,
    EOT_ID,
    VOCAB_SIZE,
    fail,
    log,
    read_corpus,
    read_json,
    render_chat_reference,
    split_corpus,
    write_json,
)

CHECK_TEXTS = ["ROMEO:", "Hello, my name is", "To be, or not to be", "  two  spaces\n\nand lines\n"]
CHECK_CHAT = [
    {"role": "system", "content": "A street in Verona."},
    {"role": "user", "content": "Good morrow, friend."},
    {"role": "assistant", "content": "Good morrow, sir."},
    {"role": "user", "content": "What news?"},
]


def fast_tokenizer_class():
    """transformers 5 calls the fast tokenizer TokenizersBackend; older releases
    PreTrainedTokenizerFast (kept as an alias in 5)."""
    try:
        from transformers import TokenizersBackend

        return TokenizersBackend
    except ImportError:
        from transformers import PreTrainedTokenizerFast

        return PreTrainedTokenizerFast


def train_bpe(train_text, vocab_size):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        min_frequency=2,
        special_tokens=[EOT],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    # One sequence: splitting the text into lines would change how the regex pre-tokenizer
    # groups whitespace at line ends.
    tokenizer.train_from_iterator([train_text], trainer=trainer, length=1)
    if tokenizer.token_to_id(EOT) != EOT_ID:
        fail(f"{EOT} got id {tokenizer.token_to_id(EOT)}, expected {EOT_ID}")
    # BOS is prepended by encode(add_special_tokens=True), as Llama tokenizers do; the same
    # template transformers builds from add_bos_token=true, so both agree.
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{EOT}:0 $A:0",
        pair=f"{EOT}:0 $A:0 {EOT}:1 $B:1",
        special_tokens=[(EOT, EOT_ID)],
    )
    return tokenizer


def save_hf(tokenizer, out_dir):
    cls = fast_tokenizer_class()
    hf = cls(
        tokenizer_object=tokenizer,
        bos_token=EOT,
        eos_token=EOT,
        pad_token=EOT,
        add_bos_token=True,
        add_eos_token=False,
        model_max_length=CONTEXT_LENGTH,
        clean_up_tokenization_spaces=False,
    )
    hf.chat_template = CHAT_TEMPLATE
    hf.save_pretrained(out_dir)

    # Pin the fields readers rely on, whatever the transformers release chose to write.
    config_path = os.path.join(out_dir, "tokenizer_config.json")
    config = read_json(config_path)
    config.update(
        {
            "bos_token": EOT,
            "eos_token": EOT,
            "pad_token": EOT,
            "add_bos_token": True,
            "add_eos_token": False,
            "model_max_length": CONTEXT_LENGTH,
            "clean_up_tokenization_spaces": False,
            # Also inline, for readers that predate chat_template.jinja.
            "chat_template": CHAT_TEMPLATE,
        }
    )
    config.setdefault("tokenizer_class", cls.__name__)
    write_json(config_path, config)
    with open(os.path.join(out_dir, "chat_template.jinja"), "w", encoding="utf-8") as handle:
        handle.write(CHAT_TEMPLATE)
    return cls


def check_raw(path, texts, val_text):
    """The plain `tokenizers` view (what a tokenizer.json reader such as vllm-ts sees)."""
    from tokenizers import Tokenizer

    raw = Tokenizer.from_file(path)
    for text in texts:
        ids = raw.encode(text).ids
        plain = raw.encode(text, add_special_tokens=False).ids
        assert ids[0] == EOT_ID and ids[1:] == plain and EOT_ID not in plain, (text, ids)
        assert raw.decode(ids, skip_special_tokens=True) == text, (text, raw.decode(ids))
    val_ids = raw.encode(val_text, add_special_tokens=False).ids
    assert raw.decode(val_ids) == val_text, "validation text does not round-trip"
    inline = raw.encode(f"a{EOT}b", add_special_tokens=False).ids
    assert EOT_ID in inline, f"{EOT} inside text is not matched as one token: {inline}"
    return raw


def check_transformers(cls, out_dir, raw, texts):
    hf = cls.from_pretrained(out_dir)
    assert hf.is_fast, "transformers did not load a fast tokenizer"
    assert hf.bos_token_id == hf.eos_token_id == hf.pad_token_id == EOT_ID
    assert len(hf) == raw.get_vocab_size(with_added_tokens=True), (len(hf), raw.get_vocab_size())
    assert hf.model_max_length == CONTEXT_LENGTH, hf.model_max_length
    for text in texts:
        expected = raw.encode(text).ids
        assert hf(text)["input_ids"] == expected, (text, hf(text)["input_ids"], expected)
        assert hf.encode(text) == expected, (text, hf.encode(text))
        assert hf(text, add_special_tokens=False)["input_ids"] == expected[1:], text
        assert hf.decode(expected, skip_special_tokens=True) == text, (text, hf.decode(expected))
    for gen in (True, False):
        rendered = hf.apply_chat_template(CHECK_CHAT, tokenize=False, add_generation_prompt=gen)
        expected = render_chat_reference(CHECK_CHAT, gen)
        assert rendered == expected, f"chat template renders {rendered!r}, expected {expected!r}"
    ids = hf(render_chat_reference(CHECK_CHAT, True), add_special_tokens=False)["input_ids"]
    assert ids[0] == EOT_ID and EOT_ID not in ids[1:], ids[:8]
    return hf


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", required=True, help="tinyshakespeare.txt")
    parser.add_argument("--work", required=True, help="scratch folder shared by the scripts")
    parser.add_argument("--vocab-size", type=int, default=VOCAB_SIZE)
    args = parser.parse_args()

    text, digest = read_corpus(args.corpus)
    train_text, val_text = split_corpus(text)
    log(f"corpus {len(text)} chars: train {len(train_text)}, validation {len(val_text)}")

    tokenizer = train_bpe(train_text, args.vocab_size)
    out_dir = os.path.join(args.work, "tokenizer")
    os.makedirs(out_dir, exist_ok=True)
    tokenizer_path = os.path.join(out_dir, "tokenizer.json")
    cls = save_hf(tokenizer, out_dir)
    log(f"saved {sorted(os.listdir(out_dir))} with {cls.__name__}")

    try:
        raw = check_raw(tokenizer_path, CHECK_TEXTS, val_text)
    except AssertionError as error:
        # transformers rewrote tokenizer.json differently (e.g. without the BOS template): write
        # the trained tokenizer as it is; transformers rebuilds the same template on load.
        log(f"WARNING: tokenizer.json as saved by transformers fails a check ({error!r}); writing it directly")
        tokenizer.save(tokenizer_path)
        raw = check_raw(tokenizer_path, CHECK_TEXTS, val_text)
    try:
        hf = check_transformers(cls, out_dir, raw, CHECK_TEXTS)
    except Exception as error:  # noqa: BLE001 - retry once without the inline template copy
        log(f"WARNING: transformers check failed with the inline chat_template ({error!r}); retrying")
        config_path = os.path.join(out_dir, "tokenizer_config.json")
        config = read_json(config_path)
        config.pop("chat_template", None)
        write_json(config_path, config)
        hf = check_transformers(cls, out_dir, raw, CHECK_TEXTS)

    train_tokens = len(raw.encode(train_text, add_special_tokens=False).ids)
    val_tokens = len(raw.encode(val_text, add_special_tokens=False).ids)
    vocab = raw.get_vocab_size(with_added_tokens=True)
    stats = {
        "corpus_sha256": digest,
        "vocab_size": vocab,
        "train_chars": len(train_text),
        "val_chars": len(val_text),
        "train_tokens": train_tokens,
        "val_tokens": val_tokens,
        "train_chars_per_token": len(train_text) / train_tokens,
        "val_chars_per_token": len(val_text) / val_tokens,
        "tokenizer_class": type(hf).__name__,
        "example": {t: raw.encode(t).tokens for t in CHECK_TEXTS[:3]},
    }
    write_json(os.path.join(args.work, "tokenizer_stats.json"), stats)
    log(
        f"tokenizer: vocab {vocab}, train {train_tokens} tokens "
        f"({stats['train_chars_per_token']:.2f} chars/token), validation {val_tokens} tokens "
        f"({stats['val_chars_per_token']:.2f} chars/token); 'ROMEO:' -> {stats['example']['ROMEO:']}"
    )


if __name__ == "__main__":
    main()
