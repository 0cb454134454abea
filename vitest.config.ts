import { readdirSync } from "node:fs";
import { defineConfig } from "vitest/config";

const packages = readdirSync(new URL("./packages", import.meta.url), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);

// One configuration for the whole repository: each package is a project named after its folder,
// and workspace imports resolve to the packages' sources through the "source" export condition,
// so tests never run against a stale build of a neighbour.
export default defineConfig({
  resolve: { conditions: ["source"] },
  ssr: { resolve: { conditions: ["source"], externalConditions: ["source"] } },
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    projects: [
      ...packages.map((name) => ({
        extends: true,
        test: {
          name,
          root: `packages/${name}`,
          include: ["src/**/*.test.ts", "test/**/*.test.ts"],
        },
      })),
      // Benchmark and tooling helpers (workload generators, …).
      { extends: true, test: { name: "tools", root: "tools", include: ["**/*.test.mjs"] } },
    ],
  },
});
