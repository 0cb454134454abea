// LLM.score: relevance of documents to a query (vLLM's examples/pooling/score). A cross-encoder
// (a *ForSequenceClassification model with one label) reads each (query, document) pair; an
// embedding model scores by the cosine of the two embeddings instead.
//   npx tsx examples/score.ts [--model <folder or repo id>] [--tokenizer <folder or repo id>] [--device cpu|cuda]
// The default model is cross-encoder/ms-marco-MiniLM-L6-v2 (downloaded on first use).
import { parseArgs } from "node:util";
import { LLM } from "@vllm-ts/llm";

const { values } = parseArgs({
  options: {
    model: { type: "string", default: "cross-encoder/ms-marco-MiniLM-L6-v2" },
    tokenizer: { type: "string" },
    device: { type: "string", default: "auto" },
  },
});

const query = "What is the capital of France?";
const documents = [
  "The capital of Brazil is Brasilia.",
  "The capital of France is Paris.",
  "Horses and cows are both animals.",
];

await using llm = new LLM({
  model: values.model,
  ...(values.tokenizer ? { tokenizer: values.tokenizer } : {}),
  runner: "pooling",
  device: values.device as "auto",
});
// 1:N: the query is paired with each document (N:N pairs two lists of the same length).
const outputs = await llm.score(query, documents);

console.log("\nGenerated Outputs:\n" + "-".repeat(60));
for (const [i, output] of outputs.entries()) {
  console.log(`Pair: ${JSON.stringify([query, documents[i]])}`);
  console.log(`Score: ${output.outputs.score.toFixed(6)}`);
  console.log("-".repeat(60));
}
