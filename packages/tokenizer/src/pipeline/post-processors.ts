import { UnsupportedError, ValidationError } from "@vllm-ts/config";

/** Ids of one encoded sequence with their token type ids (segment ids). */
export interface EncodedSequence {
  ids: number[];
  typeIds: number[];
}

/** A tokenizer.json post-processor: adds special tokens around one sequence or a pair. */
export interface PostProcessor {
  processEncodings(encodings: EncodedSequence[], addSpecialTokens: boolean): EncodedSequence[];
}

type Json = Record<string, unknown>;

function fill(n: number, value: number): number[] {
  return new Array<number>(n).fill(value);
}

interface TemplatePiece {
  special: string | null;
  sequence: 0 | 1;
  typeId: number;
}

class TemplateProcessing implements PostProcessor {
  constructor(
    private readonly single: TemplatePiece[],
    private readonly pair: TemplatePiece[],
    private readonly specialIds: Map<string, number[]>,
  ) {}

  processEncodings(encodings: EncodedSequence[], add: boolean): EncodedSequence[] {
    const template = encodings.length === 2 ? this.pair : this.single;
    const out: EncodedSequence[] = [];
    for (const piece of template) {
      if (piece.special === null) {
        const source = encodings[piece.sequence];
        if (!source)
          throw new ValidationError("TemplateProcessing: the template refers to a missing sequence $B");
        out.push({ ids: source.ids, typeIds: fill(source.ids.length, piece.typeId) });
      } else if (add) {
        const ids = this.specialIds.get(piece.special)!;
        out.push({ ids, typeIds: fill(ids.length, piece.typeId) });
      }
    }
    return out;
  }
}

function parseTemplate(pieces: unknown, where: string): TemplatePiece[] {
  if (!Array.isArray(pieces)) throw new ValidationError(`TemplateProcessing: "${where}" must be a list`);
  return pieces.map((piece): TemplatePiece => {
    const p = piece as Json;
    if (p["SpecialToken"]) {
      const s = p["SpecialToken"] as Json;
      return { special: String(s["id"]), sequence: 0, typeId: Number(s["type_id"] ?? 0) };
    }
    if (p["Sequence"]) {
      const s = p["Sequence"] as Json;
      return { special: null, sequence: s["id"] === "B" ? 1 : 0, typeId: Number(s["type_id"] ?? 0) };
    }
    throw new ValidationError(`TemplateProcessing: unknown template piece ${JSON.stringify(piece)}`);
  });
}

class BertProcessing implements PostProcessor {
  constructor(
    private readonly cls: number,
    private readonly sep: number,
  ) {}

  processEncodings(encodings: EncodedSequence[], add: boolean): EncodedSequence[] {
    if (!add) return encodings;
    return encodings.map((e, i) =>
      i === 0
        ? { ids: [this.cls, ...e.ids, this.sep], typeIds: [0, ...e.typeIds, 0] }
        : { ids: [...e.ids, this.sep], typeIds: [...e.typeIds, 1] },
    );
  }
}

class RobertaProcessing implements PostProcessor {
  constructor(
    private readonly cls: number,
    private readonly sep: number,
  ) {}

  processEncodings(encodings: EncodedSequence[], add: boolean): EncodedSequence[] {
    const zeroed = encodings.map((e) => ({ ids: e.ids, typeIds: fill(e.ids.length, 0) }));
    if (!add) return zeroed;
    return zeroed.map((e, i) =>
      i === 0
        ? { ids: [this.cls, ...e.ids, this.sep], typeIds: fill(e.ids.length + 2, 0) }
        : { ids: [this.sep, ...e.ids, this.sep], typeIds: fill(e.ids.length + 2, 0) },
    );
  }
}

class SequenceProcessing implements PostProcessor {
  constructor(private readonly processors: PostProcessor[]) {}
  processEncodings(encodings: EncodedSequence[], add: boolean): EncodedSequence[] {
    let current = encodings;
    for (const p of this.processors) current = p.processEncodings(current, add);
    return current;
  }
}

const PASS_THROUGH: PostProcessor = { processEncodings: (encodings) => encodings };

function tokenPair(value: unknown, name: string): number {
  if (!Array.isArray(value) || typeof value[1] !== "number") {
    throw new ValidationError(`post_processor: "${name}" must be a [token, id] pair`);
  }
  return value[1];
}

/** Builds a post-processor from its tokenizer.json description (null → none). */
export function createPostProcessor(json: unknown): PostProcessor | null {
  if (json === null || json === undefined) return null;
  const spec = json as Json;
  switch (spec["type"]) {
    case "TemplateProcessing": {
      const specials = new Map<string, number[]>();
      for (const [name, value] of Object.entries((spec["special_tokens"] as Json | undefined) ?? {})) {
        specials.set(name, ((value as Json)["ids"] as number[]) ?? []);
      }
      const single = parseTemplate(spec["single"], "single");
      const pair = parseTemplate(spec["pair"] ?? spec["single"], "pair");
      for (const piece of [...single, ...pair]) {
        if (piece.special !== null && !specials.has(piece.special)) {
          throw new ValidationError(
            `TemplateProcessing: missing special token ${JSON.stringify(piece.special)}`,
          );
        }
      }
      return new TemplateProcessing(single, pair, specials);
    }
    case "BertProcessing":
      return new BertProcessing(tokenPair(spec["cls"], "cls"), tokenPair(spec["sep"], "sep"));
    case "RobertaProcessing":
      return new RobertaProcessing(tokenPair(spec["cls"], "cls"), tokenPair(spec["sep"], "sep"));
    case "ByteLevel":
      return PASS_THROUGH;
    case "Sequence":
      return new SequenceProcessing(
        ((spec["processors"] as unknown[]) ?? []).map((p) => createPostProcessor(p) ?? PASS_THROUGH),
      );
    default:
      throw new UnsupportedError(
        `Unsupported tokenizer.json post_processor type: ${JSON.stringify(spec["type"])}`,
      );
  }
}

/**
 * Runs a post-processor (or none) over one or two sequences: type ids start as 0 and 1 per
 * sequence, the processor adds its tokens, then everything is concatenated.
 */
export function postProcess(
  processor: PostProcessor | null,
  a: number[],
  b: number[] | null,
  addSpecialTokens: boolean,
): EncodedSequence {
  const encodings: EncodedSequence[] = [{ ids: a, typeIds: fill(a.length, 0) }];
  if (b !== null) encodings.push({ ids: b, typeIds: fill(b.length, 1) });
  const processed = processor ? processor.processEncodings(encodings, addSpecialTokens) : encodings;
  if (processed.length === 1) return processed[0]!;
  const ids: number[] = [];
  const typeIds: number[] = [];
  for (const e of processed) {
    for (const id of e.ids) ids.push(id);
    for (const t of e.typeIds) typeIds.push(t);
  }
  return { ids, typeIds };
}
