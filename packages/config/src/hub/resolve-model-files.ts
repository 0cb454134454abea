import { stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { LoadFormat } from "../engine-options.js";
import { ModelNotFoundError } from "../errors.js";
import { invalidModelMessage, readJsonFile } from "../model/hf-config.js";
import {
  filterByIndex,
  indexShards,
  MODEL_CONFIG_PATTERNS,
  noWeightsMessage,
  selectWeightFiles,
  TOKENIZER_PATTERNS,
} from "../model/model-files.js";
import {
  blobPath,
  cachedSnapshot,
  exists,
  hubCacheDir,
  linkSnapshotFile,
  repoFolder,
  snapshotPath,
  writeRef,
} from "./cache-layout.js";
import { downloadBlob } from "./download-blob.js";
import { HubClient, HubNetworkError, hubEndpoint } from "./hub-client.js";
import { LocalEntryNotFoundError } from "./hub-errors.js";
import { filterPaths } from "./patterns.js";
import { type DownloadProgressListener, stderrProgressBar } from "./progress.js";
import { resolveHubToken } from "./token.js";

export interface ResolveModelFilesOptions {
  /** Branch, tag or commit; default "main". */
  revision?: string | null;
  /** See EngineOptions.hfToken. */
  token?: string | boolean | null;
  /** The hub cache folder; default $HF_HUB_CACHE or $HF_HOME/hub. */
  downloadDir?: string | null;
  /** Repository paths to fetch (fnmatch patterns); default: configs, tokenizer and the weights of `loadFormat`. */
  allowPatterns?: readonly string[] | null;
  ignorePatterns?: readonly string[] | null;
  /** Which weights the default selection fetches; "dummy" fetches none. Default "auto". */
  loadFormat?: LoadFormat;
  /** Use only the local cache; default from HF_HUB_OFFLINE. */
  offline?: boolean;
  /** Default HF_ENDPOINT, else the public hub. */
  endpoint?: string | null;
  /** A listener, or true/false to force the stderr progress bar on or off (default: on a terminal). */
  progress?: boolean | DownloadProgressListener;
  fetch?: typeof fetch;
}

export interface ResolvedModelFiles {
  /** The local folder holding the files (a cache snapshot for hub models). */
  readonly dir: string;
  readonly source: "local" | "cache" | "hub";
  readonly repoId: string | null;
  readonly commit: string | null;
  /** The repository paths fetched or found (empty for local folders). */
  readonly files: readonly string[];
}

const REPO_ID = /^(\b[\w\-.]+\b\/)?\b[\w\-.]{1,96}\b$/;

/** huggingface_hub's repo id rules: "name" or "org/name", word characters, '-' and '.', no "--" or "..". */
export function isValidRepoId(repoId: string): boolean {
  return REPO_ID.test(repoId) && !repoId.includes("--") && !repoId.includes("..") && !repoId.endsWith(".git");
}

function envFlag(name: string): boolean {
  return ["1", "true", "yes", "on"].includes((process.env[name] ?? "").toLowerCase());
}

/** True when HF_HUB_OFFLINE (or TRANSFORMERS_OFFLINE) asks for no network. */
export function hubOffline(): boolean {
  return envFlag("HF_HUB_OFFLINE") || envFlag("TRANSFORMERS_OFFLINE");
}

const OFFLINE_MESSAGE =
  "Cannot find an appropriate cached snapshot folder for the specified revision on the local disk and " +
  "outgoing traffic has been disabled. To enable repo look-ups and downloads online, set 'HF_HUB_OFFLINE=0' " +
  "as environment variable.";

async function isDirectory(path: string): Promise<boolean | null> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return null;
  }
}

/**
 * Turns a repository id or a local folder into a local folder. Hub models go through the standard
 * Hugging Face cache (shared with Python): the revision resolves to a commit, only the needed files
 * are fetched, downloads resume and are verified, and HF_HUB_OFFLINE=1 (or an unreachable hub) uses
 * the cached snapshot.
 */
export async function resolveModelFiles(
  repoOrPath: string,
  options: ResolveModelFilesOptions = {},
): Promise<ResolvedModelFiles> {
  const local = await isDirectory(repoOrPath);
  if (local === true)
    return { dir: resolve(repoOrPath), source: "local", repoId: null, commit: null, files: [] };
  if (local === false || !isValidRepoId(repoOrPath))
    throw new ModelNotFoundError(invalidModelMessage(repoOrPath));

  const repoId = repoOrPath;
  const revision = options.revision ?? "main";
  const cacheDir = hubCacheDir(options.downloadDir);
  const endpoint = hubEndpoint(options.endpoint);
  const cached = () => cachedSnapshot(cacheDir, repoId, revision);
  if (options.offline ?? hubOffline()) {
    const dir = await cached();
    if (dir === null)
      throw new LocalEntryNotFoundError(`${OFFLINE_MESSAGE} (${repoId}@${revision} in ${cacheDir})`);
    return { dir, source: "cache", repoId, commit: dir.split("/").pop() ?? null, files: [] };
  }

  const fetchImpl = options.fetch ?? fetch;
  const client = new HubClient(endpoint, resolveHubToken(options.token), fetchImpl);
  let info: Awaited<ReturnType<HubClient["repoInfo"]>>;
  try {
    info = await client.repoInfo(repoId, revision);
  } catch (error) {
    if (!(error instanceof HubNetworkError)) throw error;
    const dir = await cached();
    if (dir !== null)
      return { dir, source: "cache", repoId, commit: dir.split("/").pop() ?? null, files: [] };
    throw new LocalEntryNotFoundError(
      `We couldn't connect to '${endpoint}' to load the files of ${repoId}, and couldn't find them in the ` +
        `cached files (${cacheDir}). ${error.message}. Check your network, or run offline with HF_HUB_OFFLINE=1 ` +
        "once the model is cached.",
    );
  }

  const repoDir = repoFolder(cacheDir, repoId);
  await writeRef(repoDir, revision, info.commit);
  const progress =
    typeof options.progress === "function" ? options.progress : stderrProgressBar(options.progress);
  const fetchFile = async (file: string): Promise<string> => {
    const pointer = snapshotPath(repoDir, info.commit, file);
    if (await exists(pointer)) return pointer;
    const metadata = await client.fileMetadata(repoId, info.commit, file);
    const blob = blobPath(repoDir, metadata.etag);
    if (!(await exists(blob))) {
      const context = { repoId, revision, endpoint, path: file };
      const download = {
        url: metadata.location,
        blobPath: blob,
        etag: metadata.etag,
        size: metadata.size,
        file,
        context,
      };
      await downloadBlob(client, download, progress, fetchImpl);
    }
    await linkSnapshotFile(blob, pointer);
    return pointer;
  };

  const files = await chooseFiles(info.files, options, repoId, fetchFile);
  for (const file of files) await fetchFile(file);
  return { dir: snapshotPath(repoDir, info.commit), source: "hub", repoId, commit: info.commit, files };
}

// Files to fetch: the caller's patterns, or configs + tokenizer + the weights vLLM would load.
async function chooseFiles(
  listing: readonly string[],
  options: ResolveModelFilesOptions,
  repoId: string,
  fetchFile: (file: string) => Promise<string>,
): Promise<string[]> {
  const ignore = options.ignorePatterns ?? ["original/**/*"];
  if (options.allowPatterns) return filterPaths(listing, options.allowPatterns, ignore);
  const chosen = filterPaths(listing, [...MODEL_CONFIG_PATTERNS, ...TOKENIZER_PATTERNS], ignore);
  const loadFormat = options.loadFormat ?? "auto";
  if (loadFormat === "dummy") return chosen;
  let weights = selectWeightFiles(listing, loadFormat);
  if (weights === null) throw new ModelNotFoundError(noWeightsMessage(repoId));
  const indexFile = weights.indexFile;
  if (indexFile !== null) {
    const indexPath = await fetchFile(indexFile);
    weights = filterByIndex(weights, indexShards(await readJsonFile(indexPath), join(repoId, indexFile)));
    chosen.push(indexFile);
  }
  return [...chosen, ...weights.files];
}
