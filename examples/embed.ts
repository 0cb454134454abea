// LLM.embed: one normalised sentence embedding per prompt (vLLM's examples/pooling/embed), and
// their cosine similarities.
//   npx tsx examples/embed.ts [--model <folder or repo id>] [--tokenizer <folder or repo id>] [--device cpu|cuda]
// The default model is sentence-transformers/all-MiniLM-L6-v2 (downloaded on first use). Decoder
// embedding models work too: --model Qwen/Qwen3-Embedding-0.6B (pooling its last token).
import { parseArgs } from "node:util";
import { LLM } from "@vllm-ts/llm";

const { values } = parseArgs({
  options: {
    model: { type: "string", default: "sentence-transformers/all-MiniLM-L6-v2" },
    tokenizer: { type: "string" },
    device: { type: "string", default: "auto" },
  },
});

const prompts = [
  "Hello, my name is",
  "The president of the United States is",
  "The capital of France is",
  "The future of AI is",
];

await using llm = new LLM({
  model: values.model,
  ...(values.tokenizer ? { tokenizer: values.tokenizer } : {}),
  runner: "pooling",
  device: values.device as "auto",
});
const outputs = await llm.embed(prompts);

console.log("\nGenerated Outputs:\n" + "-".repeat(60));
for (const [i, output] of outputs.entries()) {
  const { embedding } = output.outputs;
  const head = embedding.slice(0, 4).map((v) => v.toFixed(4));
  console.log(`Prompt: ${JSON.stringify(prompts[i])}`);
  console.log(`Embeddings: [${head.join(", ")}, ...] (size=${embedding.length})`);
  console.log("-".repeat(60));
}

// With normalised embeddings the dot product is the cosine similarity.
const dot = (a: number[], b: number[]) => a.reduce((sum, v, i) => sum + v * b[i]!, 0);
console.log("Cosine similarities:");
for (const a of outputs) {
  console.log(outputs.map((b) => dot(a.outputs.embedding, b.outputs.embedding).toFixed(3)).join("  "));
}
