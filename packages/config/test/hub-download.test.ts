import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import {
  type DownloadProgressEvent,
  HubHttpError,
  RepositoryNotFoundError,
  resolveEngineConfig,
  resolveModelFiles,
} from "../src/index.js";
import { CONFIG, cacheDir, hubOptions, MAIN, startHub, V2, weights } from "./hub-repos.js";
import { type FakeHub, gitSha1, sha256 } from "./hub-server.js";

let hub: FakeHub;
beforeAll(async () => {
  hub = await startHub();
});
afterAll(() => hub.close());
afterEach(() => vi.unstubAllEnvs());

const options = (downloadDir: string, extra: Record<string, unknown> = {}) =>
  hubOptions(hub, downloadDir, extra);
const resolveRequests = () => hub.requests.filter((r) => r.path.includes("/resolve/"));

describe("hub downloads into the Hugging Face cache layout", () => {
  it("fetches only the files a model needs, as refs / blobs / snapshots symlinks", async () => {
    const cache = cacheDir();
    const result = await resolveModelFiles("org/tiny", options(cache));
    const repoDir = join(cache, "models--org--tiny");
    expect(result).toMatchObject({
      source: "hub",
      repoId: "org/tiny",
      commit: MAIN,
      dir: join(repoDir, "snapshots", MAIN),
    });
    expect([...result.files].sort()).toEqual([
      "1_Pooling/config.json",
      "config.json",
      "generation_config.json",
      "model.safetensors",
      "tokenizer.json",
    ]);
    expect(readFileSync(join(repoDir, "refs", "main"), "utf8")).toBe(MAIN);
    // The LFS file is stored under its sha256, the small files under their git blob sha1.
    expect(readlinkSync(join(result.dir, "model.safetensors"))).toBe(`../../blobs/${sha256(weights)}`);
    expect(readlinkSync(join(result.dir, "config.json"))).toBe(
      `../../blobs/${gitSha1(new TextEncoder().encode(CONFIG))}`,
    );
    expect(readlinkSync(join(result.dir, "1_Pooling/config.json"))).toMatch(/^\.\.\/\.\.\/\.\.\/blobs\//);
    expect(lstatSync(join(result.dir, "model.safetensors")).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(result.dir, "model.safetensors")).equals(Buffer.from(weights))).toBe(true);
    expect(existsSync(join(result.dir, "README.md"))).toBe(false);
    expect(existsSync(join(result.dir, "pytorch_model.bin"))).toBe(false);
  });

  it("downloads nothing the second time", async () => {
    const cache = cacheDir();
    await resolveModelFiles("org/tiny", options(cache));
    const before = resolveRequests().length;
    const again = await resolveModelFiles("org/tiny", options(cache));
    expect(resolveRequests().length).toBe(before);
    expect(again.commit).toBe(MAIN);
  });

  it("resolves a tag to its commit and records the ref; a commit hash works too", async () => {
    const cache = cacheDir();
    const tagged = await resolveModelFiles("org/tiny", options(cache, { revision: "v2" }));
    expect(tagged.commit).toBe(V2);
    expect(readFileSync(join(cache, "models--org--tiny", "refs", "v2"), "utf8")).toBe(V2);
    expect(readFileSync(join(tagged.dir, "config.json"), "utf8")).toBe(`${CONFIG} `);
    const pinned = await resolveModelFiles("org/tiny", options(cache, { revision: MAIN }));
    expect(pinned.dir).toBe(join(cache, "models--org--tiny", "snapshots", MAIN));
    // The blob shared by both revisions was downloaded once.
    expect(
      hub.requests.filter((r) => r.server === "cdn" && r.path.includes(sha256(weights))).length,
    ).toBeGreaterThan(0);
    expect(realpathSync(join(tagged.dir, "model.safetensors"))).toBe(
      realpathSync(join(pinned.dir, "model.safetensors")),
    );
  });

  it("keeps only the shards the index names, and falls back to .bin without safetensors", async () => {
    const sharded = await resolveModelFiles("org/sharded", options(cacheDir()));
    expect([...sharded.files].sort()).toEqual([
      "config.json",
      "model-00001-of-00002.safetensors",
      "model-00002-of-00002.safetensors",
      "model.safetensors.index.json",
    ]);
    const bin = await resolveModelFiles("org/bin-only", options(cacheDir()));
    expect([...bin.files].sort()).toEqual(["config.json", "pytorch_model.bin"]);
  });

  it("honours allowPatterns and loadFormat 'dummy'", async () => {
    const tokenizerOnly = await resolveModelFiles(
      "org/tiny",
      options(cacheDir(), { allowPatterns: ["tokenizer*", "config.json"] }),
    );
    expect([...tokenizerOnly.files].sort()).toEqual(["config.json", "tokenizer.json"]);
    const dummy = await resolveModelFiles("org/no-weights", options(cacheDir(), { loadFormat: "dummy" }));
    expect(dummy.files).toEqual(["config.json"]);
  });

  it("reports progress per file", async () => {
    const events: DownloadProgressEvent[] = [];
    await resolveModelFiles(
      "org/tiny",
      options(cacheDir(), { progress: (e: DownloadProgressEvent) => events.push(e) }),
    );
    const done = events.filter((e) => e.done).map((e) => e.file);
    expect(done).toContain("model.safetensors");
    const last = events.filter((e) => e.file === "model.safetensors").at(-1);
    expect(last).toEqual({
      file: "model.safetensors",
      downloadedBytes: weights.length,
      totalBytes: weights.length,
      done: true,
    });
  });

  it("uses HF_ENDPOINT, and follows the relative redirect of a renamed repository", async () => {
    vi.stubEnv("HF_ENDPOINT", hub.url);
    const moved = await resolveModelFiles("org/old-name", { downloadDir: cacheDir(), progress: false });
    expect(readFileSync(join(moved.dir, "model.safetensors")).equals(Buffer.from(weights))).toBe(true);
  });

  it("returns local folders as they are", async () => {
    const dir = mkdtempSync(join(tmpdir(), "local-model-"));
    expect(await resolveModelFiles(dir)).toEqual({
      dir,
      source: "local",
      repoId: null,
      commit: null,
      files: [],
    });
  });
});

describe("tokens", () => {
  it("sends hfToken to the hub but not to the CDN", async () => {
    hub.requests.length = 0;
    await resolveModelFiles("org/private", options(cacheDir(), { token: "hf_secret" }));
    expect(
      hub.requests.filter((r) => r.server === "hub").every((r) => r.authorization === "Bearer hf_secret"),
    ).toBe(true);
    const cdn = hub.requests.filter((r) => r.server === "cdn");
    expect(cdn.length).toBeGreaterThan(0);
    expect(cdn.every((r) => r.authorization === undefined)).toBe(true);
  });

  it("reads HF_TOKEN, and the token file under HF_HOME", async () => {
    vi.stubEnv("HF_TOKEN", "hf_secret");
    await expect(resolveModelFiles("org/private", options(cacheDir()))).resolves.toMatchObject({
      commit: MAIN,
    });
    vi.stubEnv("HF_TOKEN", "");
    const home = mkdtempSync(join(tmpdir(), "hf-home-"));
    writeFileSync(join(home, "token"), "hf_secret\n");
    vi.stubEnv("HF_HOME", home);
    await expect(resolveModelFiles("org/private", options(cacheDir()))).resolves.toMatchObject({
      commit: MAIN,
    });
    await expect(
      resolveModelFiles("org/private", options(cacheDir(), { token: false })),
    ).rejects.toBeInstanceOf(RepositoryNotFoundError);
  });
});

describe("resumable, verified downloads", () => {
  const blobDir = (cache: string) => join(cache, "models--org--tiny", "blobs");

  it("resumes a .incomplete file left by an interrupted run with a Range request", async () => {
    const cache = cacheDir();
    mkdirSync(blobDir(cache), { recursive: true });
    writeFileSync(join(blobDir(cache), `${sha256(weights)}.incomplete`), weights.subarray(0, 70_000));
    hub.requests.length = 0;
    const result = await resolveModelFiles("org/tiny", options(cache));
    const cdn = hub.requests.filter((r) => r.server === "cdn");
    expect(cdn.map((r) => r.range)).toEqual(["bytes=70000-"]);
    expect(readFileSync(join(result.dir, "model.safetensors")).equals(Buffer.from(weights))).toBe(true);
    expect(existsSync(join(blobDir(cache), `${sha256(weights)}.incomplete`))).toBe(false);
  });

  it("recovers from a connection dropped mid-file by resuming where it stopped", async () => {
    const cache = cacheDir();
    hub.dropAfter.set(sha256(weights), 50_000);
    hub.requests.length = 0;
    const result = await resolveModelFiles("org/tiny", options(cache));
    const ranges = hub.requests.filter((r) => r.server === "cdn").map((r) => r.range);
    expect(ranges[0]).toBeUndefined();
    expect(ranges[1]).toMatch(/^bytes=\d+-$/);
    expect(Number(/\d+/.exec(ranges[1] as string)?.[0])).toBeGreaterThan(0);
    expect(readFileSync(join(result.dir, "model.safetensors")).equals(Buffer.from(weights))).toBe(true);
  });

  it("rejects a download whose sha256 does not match its etag and removes the partial file", async () => {
    const cache = cacheDir();
    hub.corrupt.add(sha256(weights));
    try {
      const error = await resolveModelFiles("org/tiny", options(cache)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(HubHttpError);
      expect((error as Error).message).toMatch(
        new RegExp(`Checksum mismatch for model.safetensors: expected sha256 ${sha256(weights)}`),
      );
      expect(existsSync(join(blobDir(cache), sha256(weights)))).toBe(false);
      expect(existsSync(join(blobDir(cache), `${sha256(weights)}.incomplete`))).toBe(false);
    } finally {
      hub.corrupt.clear();
    }
    await expect(resolveModelFiles("org/tiny", options(cache))).resolves.toMatchObject({ commit: MAIN });
  });
});

describe("resolveEngineConfig over the hub", () => {
  it("fetches the model and a tokenizer repository at its own revision", async () => {
    const cache = cacheDir();
    const config = await resolveEngineConfig(
      { model: "org/llama", tokenizer: "org/tok", tokenizerRevision: "v1", downloadDir: cache },
      { deviceKind: "cpu" },
      { hub: { endpoint: hub.url, progress: false } },
    );
    expect(config.model).toMatchObject({
      commit: MAIN,
      modelDir: join(cache, "models--org--llama", "snapshots", MAIN),
    });
    expect(config.model.tokenizerDir).toBe(join(cache, "models--org--tok", "snapshots", V2));
    expect(readFileSync(join(config.model.tokenizerDir, "tokenizer.json"), "utf8")).toBe('{"v":1}');
    expect(config.model.arch.hiddenSize).toBe(4096);
  });
});
