#!/usr/bin/env node
// W8 (spec/performance.md): tokenizer throughput. Encode MB/s over tinyshakespeare, full decode and
// streaming (per-token detokenizer) µs/token, for gpt2 and phi-3 by default; medians of several
// runs after a warm-up. The Rust `tokenizers` peer is measured by tools/gpu/tokenizer_peer.py on
// the same machine and text; pass its JSON line with --peer to print the ratios.
//
//   npm run bench -- tokenizer [--text FILE] [--tokenizers DIR] [--names gpt2,phi-3] [--runs 7]
//                              [--peer peer.json] [--library] [--record]
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { IncrementalDetokenizer, loadTokenizerFromFolder } from "@vllm-ts/tokenizer";
import { median, record } from "./record.mjs";

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
};
const here = dirname(fileURLToPath(import.meta.url));
const testdata = resolve(here, "..", "..", "..", "shared", "testdata");
const textPath = option("text", join(testdata, "corpus", "tinyshakespeare.txt"));
const tokenizersDir = option("tokenizers", join(testdata, "tokenizers"));
const names = option("names", "gpt2,phi-3").split(",");
const runs = Number(option("runs", "7"));
const streamTokens = Number(option("stream-tokens", "20000"));
const peerPath = option("peer", null);

const text = readFileSync(textPath, "utf8");
const megabytes = Buffer.byteLength(text, "utf8") / 1e6;

function time(fn) {
  const start = process.hrtime.bigint();
  const value = fn();
  return [Number(process.hrtime.bigint() - start) / 1e6, value];
}

function measure(fn) {
  fn(); // warm-up (JIT, word caches: the Rust peer keeps its cache across calls too)
  const times = [];
  let value;
  for (let r = 0; r < runs; r++) {
    const [ms, v] = time(fn);
    times.push(ms);
    value = v;
  }
  return [median(times), value];
}

async function libraryEncodeMBps(folder) {
  const hf = await import("@huggingface/tokenizers");
  const json = JSON.parse(readFileSync(join(folder, "tokenizer.json"), "utf8"));
  const configPath = join(folder, "tokenizer_config.json");
  const config = existsSync(configPath) ? JSON.parse(readFileSync(configPath, "utf8")) : {};
  const tokenizer = new hf.Tokenizer(json, config);
  const slice = text.slice(0, 200_000); // the library is slow; a fifth of the text is enough
  const [ms] = measure(() => tokenizer.encode(slice, { add_special_tokens: false }));
  return Buffer.byteLength(slice, "utf8") / 1e6 / (ms / 1000);
}

const peer = peerPath ? JSON.parse(readFileSync(peerPath, "utf8").trim().split("\n").at(-1)) : null;
const results = {};
const rows = [];
for (const name of names) {
  const folder = join(tokenizersDir, name);
  const [loadMs, tokenizer] = time(() => loadTokenizerFromFolder(folder));
  const [encodeMs, ids] = measure(() => tokenizer.encode(text, { addSpecialTokens: false }));
  const [decodeMs] = measure(() => tokenizer.decode(ids));
  const streamIds = ids.slice(0, streamTokens);
  const [streamMs] = measure(() => {
    const detokenizer = new IncrementalDetokenizer(tokenizer, [], {});
    for (const id of streamIds) detokenizer.update([id], false);
    return detokenizer.outputText.length;
  });
  const result = {
    loadMs: Number(loadMs.toFixed(1)),
    tokens: ids.length,
    encodeMBps: Number((megabytes / (encodeMs / 1000)).toFixed(2)),
    decodeUsPerToken: Number(((decodeMs * 1000) / ids.length).toFixed(3)),
    streamUsPerToken: Number(((streamMs * 1000) / streamIds.length).toFixed(3)),
  };
  if (args.includes("--library"))
    result.libraryEncodeMBps = Number((await libraryEncodeMBps(folder)).toFixed(2));
  const rust = peer?.results?.[name];
  if (rust) {
    result.encodeRatio = Number((result.encodeMBps / rust.encodeMBps).toFixed(2));
    result.decodeRatio = Number((rust.decodeUsPerToken / result.decodeUsPerToken).toFixed(2));
    result.streamRatio = Number((rust.streamUsPerToken / result.streamUsPerToken).toFixed(2));
  }
  results[name] = result;
  rows.push([
    name,
    result.tokens,
    result.encodeMBps,
    rust ? `${rust.encodeMBps} (${result.encodeRatio}×)` : "–",
    result.decodeUsPerToken,
    rust ? `${rust.decodeUsPerToken} (${result.decodeRatio}×)` : "–",
    result.streamUsPerToken,
    rust ? `${rust.streamUsPerToken} (${result.streamRatio}×)` : "–",
    result.loadMs,
  ]);
}

const header = [
  "tokenizer",
  "tokens",
  "encode MB/s",
  "Rust encode MB/s (ratio)",
  "decode µs/token",
  "Rust decode µs/token (ratio)",
  "stream µs/token",
  "Rust stream µs/token (ratio)",
  "load ms",
];
console.log(`| ${header.join(" | ")} |`);
console.log(`| ${header.map(() => "---").join(" | ")} |`);
for (const row of rows) console.log(`| ${row.join(" | ")} |`);
console.log(JSON.stringify({ bench: "tokenizer", text: textPath, megabytes, runs, results }));
record(
  "W8 tokenizer (tinyshakespeare)",
  `npm run bench -- tokenizer ${args.filter((a) => a !== "--record").join(" ")}`.trim(),
  header,
  rows,
);
