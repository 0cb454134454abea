import { type CudaGraph, captureGraph, type Device } from "@vllm-ts/cuda-kernels";

/**
 * The CUDA graphs of decode-only steps, one per captured batch size (vLLM's full CUDA graphs for
 * uniform decode batches): each replays the model's forward, the last-position gather and the
 * logits over the runner's persistent buffers, so a decode step costs the host one launch. A batch
 * runs the graph of the smallest captured size that holds it, padded with inert rows.
 */
export class DecodeGraphs implements Disposable {
  private readonly graphs = new Map<number, CudaGraph>();

  constructor(
    readonly device: Device,
    /** Captured sizes, ascending. */
    readonly sizes: readonly number[],
  ) {}

  /** The captured size a decode batch of `batch` sequences pads to, or null when it runs eagerly. */
  sizeFor(batch: number): number | null {
    for (const size of this.sizes) if (size >= batch && this.graphs.has(size)) return size;
    return null;
  }

  /** Records `compute` (which must only launch work on the device) as the graph of `size`. */
  capture(size: number, compute: () => void): void {
    this.graphs.get(size)?.dispose();
    this.graphs.set(size, captureGraph(this.device, compute));
  }

  replay(size: number): void {
    const graph = this.graphs.get(size);
    if (!graph) throw new Error(`no CUDA graph captured for decode batch size ${size}`);
    graph.replay();
  }

  get count(): number {
    return this.graphs.size;
  }

  dispose(): void {
    for (const graph of this.graphs.values()) graph.dispose();
    this.graphs.clear();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}
