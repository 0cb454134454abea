import type { Tokenizer } from "../tokenizer.js";

const REPLACEMENT = "\ufffd";
const MAX_CONTEXT = 4;

function restoreLeadingSpaces(raw: string | null, text: string, marker: string): string {
  if (raw === null) return text;
  let markers = 0;
  for (const ch of raw) {
    if (ch !== marker) break;
    markers++;
  }
  const existing = text.length - text.replace(/^ +/, "").length;
  const missing = markers - existing;
  return missing > 0 ? " ".repeat(missing) + text : text;
}

/**
 * vLLM's `convert_ids_list_to_tokens`: each id decoded on its own; for Metaspace (SentencePiece)
 * tokenizers the leading "▁"s that decode strips are restored as spaces, so "▁true" and "true"
 * stay distinct.
 */
export function convertIdsListToTokens(tokenizer: Tokenizer, ids: readonly number[]): string[] {
  const marker = tokenizer.leadingSpaceMarker;
  const raw = marker === null ? [] : tokenizer.convertIdsToTokens(ids);
  return ids.map((id, i) => {
    const text = tokenizer.decode([id], { skipSpecialTokens: false });
    return marker === null ? text : restoreLeadingSpaces(raw[i] ?? null, text, marker);
  });
}

/**
 * vLLM's correction of a token that decodes to U+FFFD because it carries part of a multi-byte
 * character: decode it after 1…4 preceding sampled tokens and keep what it adds beyond the
 * context tokens that decode cleanly. Returns "" when the character is still incomplete.
 */
export function correctDecodedToken(
  tokenizer: Tokenizer,
  id: number,
  precedingIds: readonly number[],
): string {
  const decode = (ids: readonly number[]) => tokenizer.decode(ids, { skipSpecialTokens: false });
  const maxContext = Math.min(precedingIds.length, MAX_CONTEXT);
  for (let n = 1; n <= maxContext; n++) {
    const context = precedingIds.slice(precedingIds.length - n);
    const full = decode([...context, id]);
    if (full.endsWith(REPLACEMENT)) continue;
    let cleanEnd = context.length;
    for (let j = context.length - 1; j >= 0; j--) {
      if (decode([context[j]!]).endsWith(REPLACEMENT)) cleanEnd = j;
      else break;
    }
    const cleanPrefix = cleanEnd > 0 ? decode(context.slice(0, cleanEnd)) : "";
    if (full.startsWith(cleanPrefix)) return full.slice(cleanPrefix.length);
    const a = Array.from(cleanPrefix);
    const b = Array.from(full);
    let common = 0;
    while (common < a.length && common < b.length && a[common] === b[common]) common++;
    return b.slice(common).join("");
  }
  return "";
}

/**
 * `Logprob.decodedToken` of `id` sampled after `precedingIds` (the request's earlier sampled
 * tokens, oldest first): the token decoded alone, corrected from context when it ends in U+FFFD.
 */
export function decodeLogprobToken(
  tokenizer: Tokenizer,
  id: number,
  precedingIds: readonly number[],
): string {
  const [text] = convertIdsListToTokens(tokenizer, [id]);
  if (!text!.endsWith(REPLACEMENT)) return text!;
  return correctDecodedToken(tokenizer, id, precedingIds);
}
