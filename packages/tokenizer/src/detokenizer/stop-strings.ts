/** Counts code points (Python's `len`) in `text`. */
export function codePointLength(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

/** The UTF-16 index of code point number `cp` of `text` (clamped to the ends). */
export function codePointIndex(text: string, cp: number): number {
  if (cp <= 0) return 0;
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    if (n === cp) return i;
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return text.length;
}

/**
 * vLLM's `check_stop_strings`: looks for each stop string, in list order, among the newest
 * `newCharCount` characters plus `len(stop) - 1` characters of overlap, so text already searched
 * is never searched again. On the first hit returns `[stop, truncateTo]`: the UTF-16 index where
 * the output should end — before the stop string, or after it when it is included (-1 when no
 * truncation is needed because the stop string ends the text). Lengths are in code points, as in
 * Python.
 */
export function checkStopStrings(
  outputText: string,
  newCharCount: number,
  stop: readonly string[],
  includeInOutput: boolean,
): [string, number] | null {
  if (newCharCount <= 0 || stop.length === 0) return null;
  const textLength = codePointLength(outputText);
  for (const stopString of stop) {
    const stopLength = codePointLength(stopString);
    const startCp = Math.max(0, textLength + 1 - newCharCount - stopLength);
    const index = outputText.indexOf(stopString, codePointIndex(outputText, startCp));
    if (index === -1) continue;
    if (!includeInOutput) return [stopString, index];
    const end = index + stopString.length;
    return [stopString, end >= outputText.length ? -1 : end];
  }
  return null;
}
