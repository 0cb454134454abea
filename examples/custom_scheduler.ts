// A scheduler of your own: here, a wrapper that logs every step's batch and delegates to vLLM's
// default scheduler. The factory receives the engine's scheduler config and KV-cache manager.
//   npx tsx examples/custom_scheduler.ts [--model <folder or repo id>]
import { parseArgs } from "node:util";
import { embeddedModelPath, LLM, SamplingParams, type Scheduler, type SchedulerContext } from "@vllm-ts/llm";
import { DefaultScheduler } from "@vllm-ts/scheduler";

/** Counts steps and scheduled tokens; everything else is the default scheduler's. */
export class LoggingScheduler implements Scheduler {
  steps = 0;
  scheduledTokens = 0;
  private readonly inner: Scheduler;

  constructor(context: SchedulerContext) {
    const { maxNumBatchedTokens, maxNumSeqs, maxModelLen, enableChunkedPrefill, policy } = context.config;
    this.inner = new DefaultScheduler(
      { maxNumBatchedTokens, maxNumSeqs, maxModelLen, enableChunkedPrefill, policy },
      context.kvCacheManager,
    );
  }

  addRequest: Scheduler["addRequest"] = (request) => this.inner.addRequest(request);
  schedule: Scheduler["schedule"] = () => {
    const output = this.inner.schedule();
    this.steps++;
    this.scheduledTokens += output.totalNumScheduledTokens;
    return output;
  };
  updateFromOutput: Scheduler["updateFromOutput"] = (output, runnerOutput) =>
    this.inner.updateFromOutput(output, runnerOutput);
  finishRequests: Scheduler["finishRequests"] = (ids, status) => this.inner.finishRequests(ids, status);
  hasUnfinishedRequests: Scheduler["hasUnfinishedRequests"] = () => this.inner.hasUnfinishedRequests();
  getNumUnfinishedRequests: Scheduler["getNumUnfinishedRequests"] = () =>
    this.inner.getNumUnfinishedRequests();
  resetPrefixCache: Scheduler["resetPrefixCache"] = () => this.inner.resetPrefixCache();
  stats: Scheduler["stats"] = () => this.inner.stats();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { model: { type: "string" } } });
  let scheduler: LoggingScheduler | null = null;
  await using llm = new LLM({
    model: values.model ?? embeddedModelPath(),
    scheduler: (context) => (scheduler = new LoggingScheduler(context)),
  });
  const outputs = await llm.generate(
    ["KING:", "QUEEN:"],
    new SamplingParams({ temperature: 0, maxTokens: 20 }),
    {
      useTqdm: false,
    },
  );
  for (const output of outputs) console.log(output.prompt, JSON.stringify(output.outputs[0]!.text));
  console.log(`${scheduler!.steps} steps, ${scheduler!.scheduledTokens} tokens scheduled`);
}
