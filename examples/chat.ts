// LLM.chat: conversations rendered with the model's chat template.
//   npx tsx examples/chat.ts [--model <folder or repo id>]
import { parseArgs } from "node:util";
import { embeddedModelPath, LLM, SamplingParams } from "@vllm-ts/llm";

const { values } = parseArgs({ options: { model: { type: "string" } } });
await using llm = new LLM({ model: values.model ?? embeddedModelPath() });

const conversation = [
  { role: "system", content: "You are a courtly poet of Verona." },
  { role: "user", content: "Speak of the moon." },
];
// The embedded model ends a speech with a blank line; stop there.
const params = new SamplingParams({ temperature: 0.7, topP: 0.95, maxTokens: 80, stop: ["\n\n"] });
const [output] = await llm.chat(conversation, params, { useTqdm: false });
console.log(output!.outputs[0]!.text);
