import type { Options } from "tsup";

/** One build shape for every package: ESM + CJS with declarations, from src/index.ts. */
export function packageBuild(overrides: Partial<Options> = {}): Options {
  return {
    entry: ["src/index.ts"],
    format: ["esm", "cjs"],
    dts: true,
    sourcemap: true,
    clean: true,
    target: "node20",
    platform: "node",
    shims: true,
    splitting: false,
    treeshake: true,
    outExtension: ({ format }) => ({ js: format === "cjs" ? ".cjs" : ".js" }),
    ...overrides,
  };
}
