import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import {
  EntryNotFoundError,
  GatedRepoError,
  LocalEntryNotFoundError,
  ModelNotFoundError,
  RepositoryNotFoundError,
  RevisionNotFoundError,
  resolveModelFiles,
} from "../src/index.js";
import { cacheDir, hubOptions, MAIN, startHub } from "./hub-repos.js";
import type { FakeHub } from "./hub-server.js";

let hub: FakeHub;
beforeAll(async () => {
  hub = await startHub();
});
afterAll(() => hub.close());
afterEach(() => vi.unstubAllEnvs());

const options = (downloadDir: string, extra: Record<string, unknown> = {}) =>
  hubOptions(hub, downloadDir, extra);
const _resolveRequests = () => hub.requests.filter((r) => r.path.includes("/resolve/"));

describe("hub errors say what to do", () => {
  it("repository not found (or private without a token)", async () => {
    vi.stubEnv("HF_TOKEN", "");
    vi.stubEnv("HF_HOME", mkdtempSync(join(tmpdir(), "hf-home-")));
    for (const repo of ["org/missing", "org/private"]) {
      const error = await resolveModelFiles(repo, options(cacheDir())).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RepositoryNotFoundError);
      expect(error).toBeInstanceOf(ModelNotFoundError);
      expect((error as Error).message).toMatch(
        /401 Client Error\.\n\nRepository Not Found for url: .*\/api\/models\/org\/.*\/revision\/main\./,
      );
      expect((error as Error).message).toMatch(/pass `hfToken` or set HF_TOKEN/);
    }
  });

  it("gated repository without access", async () => {
    const error = await resolveModelFiles("org/gated", options(cacheDir(), { token: "hf_other" })).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(GatedRepoError);
    expect((error as Error).message).toMatch(
      /^403 Client Error\.\n\nCannot access gated repo for url .*resolve.*\nAccess to model org\/gated is restricted/,
    );
    expect((error as Error).message).toContain(`${hub.url}/org/gated`);
    await expect(
      resolveModelFiles("org/gated", options(cacheDir(), { token: "hf_granted" })),
    ).resolves.toMatchObject({ commit: MAIN });
  });

  it("revision not found", async () => {
    const error = await resolveModelFiles("org/tiny", options(cacheDir(), { revision: "v9" })).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RevisionNotFoundError);
    expect((error as Error).message).toContain(
      "v9 is not a valid git identifier (branch name, tag name or commit id) that exists for this model name.",
    );
  });

  it("a file the listing names but the revision lacks", async () => {
    // The API lists model.safetensors; the resolve endpoint answers 404 EntryNotFound for it.
    const listGhost: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (!String(input).includes("/api/models/org/no-weights/")) return response;
      const body = (await response.json()) as { siblings: { rfilename: string }[] };
      body.siblings.push({ rfilename: "model.safetensors" });
      return new Response(JSON.stringify(body), {
        status: 200,
        headers: { "content-type": "application/json" },
      });
    };
    const error = await resolveModelFiles("org/no-weights", options(cacheDir(), { fetch: listGhost })).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(EntryNotFoundError);
    expect((error as Error).message).toMatch(
      /^404 Client Error\.\n\nEntry Not Found for url: .*\/org\/no-weights\/resolve\//,
    );
    expect((error as Error).message).toContain("'model.safetensors' does not exist in 'org/no-weights'");
  });

  it("no weight files, with vLLM's message", async () => {
    await expect(resolveModelFiles("org/no-weights", options(cacheDir()))).rejects.toThrow(
      new ModelNotFoundError("Cannot find any model weights with `org/no-weights`"),
    );
  });

  it("an invalid repository id or a missing folder, with vLLM's message", async () => {
    for (const model of ["/no/such/folder", "org/with--dashes", "a/b/c"]) {
      await expect(resolveModelFiles(model, options(cacheDir()))).rejects.toThrow(
        `Invalid repository ID or local directory specified: '${model}'.\nPlease verify the following requirements:`,
      );
    }
  });
});

describe("offline mode and unreachable hubs", () => {
  it("HF_HUB_OFFLINE=1 uses the cached snapshot without any request", async () => {
    const cache = cacheDir();
    const online = await resolveModelFiles("org/tiny", options(cache));
    vi.stubEnv("HF_HUB_OFFLINE", "1");
    const before = hub.requests.length;
    const offline = await resolveModelFiles("org/tiny", options(cache));
    expect(hub.requests.length).toBe(before);
    expect(offline).toMatchObject({ dir: online.dir, source: "cache", commit: MAIN });
  });

  it("offline with nothing cached says how to go online", async () => {
    vi.stubEnv("HF_HUB_OFFLINE", "1");
    const error = await resolveModelFiles("org/tiny", options(cacheDir())).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LocalEntryNotFoundError);
    expect((error as Error).message).toMatch(/outgoing traffic has been disabled.*set 'HF_HUB_OFFLINE=0'/s);
  });

  it("an unreachable hub falls back to the cache, or says it could not connect", async () => {
    const cache = cacheDir();
    await resolveModelFiles("org/tiny", options(cache));
    const dead = "http://127.0.0.1:9";
    await expect(
      resolveModelFiles("org/tiny", { downloadDir: cache, endpoint: dead, progress: false }),
    ).resolves.toMatchObject({ source: "cache" });
    const error = await resolveModelFiles("org/tiny", {
      downloadDir: cacheDir(),
      endpoint: dead,
      progress: false,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LocalEntryNotFoundError);
    expect((error as Error).message).toMatch(/We couldn't connect to 'http:\/\/127\.0\.0\.1:9'/);
  });
});
