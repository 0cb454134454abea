#!/usr/bin/env python3
"""W8 peer: the Rust `tokenizers` library on the same text and machine as tools/bench/tokenizer.mjs.

    python3 tools/gpu/tokenizer_peer.py --text .device/testdata/corpus/tinyshakespeare.txt \
        --tokenizers .device/testdata/tokenizers [--names gpt2,phi-3] [--runs 7] > peer.json

Measures, per tokenizer (single sequence, single thread — `Tokenizer.encode`, not the batch API):
encode MB/s of the whole text, full decode µs/token, and DecodeStream.step µs/token over the first
20 000 tokens. Medians after one warm-up run. Prints one JSON line for `npm run bench -- tokenizer --peer`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import tokenizers  # noqa: E402


def measure(fn, runs: int):
    fn()
    times = []
    value = None
    for _ in range(runs):
        start = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), value


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--text", required=True)
    parser.add_argument("--tokenizers", required=True)
    parser.add_argument("--names", default="gpt2,phi-3")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--stream-tokens", type=int, default=20_000)
    args = parser.parse_args()

    with open(args.text, encoding="utf-8") as f:
        text = f.read()
    megabytes = len(text.encode("utf-8")) / 1e6
    results = {}
    for name in args.names.split(","):
        tok = tokenizers.Tokenizer.from_file(os.path.join(args.tokenizers, name, "tokenizer.json"))
        tok.no_truncation()
        tok.no_padding()
        encode_s, encoding = measure(lambda: tok.encode(text, add_special_tokens=False), args.runs)
        ids = encoding.ids
        decode_s, _ = measure(lambda: tok.decode(ids, skip_special_tokens=True), args.runs)
        stream_ids = ids[: args.stream_tokens]

        def stream():
            s = tokenizers.decoders.DecodeStream(skip_special_tokens=True)
            for token in stream_ids:
                s.step(tok, token)

        stream_s, _ = measure(stream, args.runs)
        results[name] = {
            "tokens": len(ids),
            "encodeMBps": round(megabytes / encode_s, 2),
            "decodeUsPerToken": round(decode_s * 1e6 / len(ids), 3),
            "streamUsPerToken": round(stream_s * 1e6 / len(stream_ids), 3),
        }
    print(json.dumps({"peer": "tokenizers", "version": tokenizers.__version__, "megabytes": megabytes, "results": results}))


if __name__ == "__main__":
    main()
