/**
 * vLLM's Python names map mechanically onto vllm-ts names: snake_case becomes camelCase
 * (`max_tokens` → `maxTokens`, `prompt_token_ids` → `promptTokenIds`).
 */
export function toCamelCase(snake: string): string {
  return snake.replace(/_+([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** The inverse of {@link toCamelCase} for names that came from snake_case. */
export function toSnakeCase(camel: string): string {
  return camel.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** Rewrites the keys of a plain object (one level) from snake_case to camelCase. */
export function camelCaseKeys<T = Record<string, unknown>>(record: Record<string, unknown>): T {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [toCamelCase(key), value])) as T;
}
