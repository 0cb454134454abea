import { mkdir, readFile, rename, stat, symlink, unlink, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join, relative } from "node:path";
import { getHFHubCachePath, getRepoFolderName } from "@huggingface/hub";

/**
 * The Hugging Face cache layout, shared with Python's huggingface_hub:
 *   <cache>/models--org--name/refs/<revision>            the commit a branch or tag points to
 *   <cache>/models--org--name/blobs/<etag>               file contents (<etag>.incomplete while downloading)
 *   <cache>/models--org--name/snapshots/<commit>/<path>  relative symlinks into blobs/
 */
export function hubCacheDir(downloadDir?: string | null): string {
  // HF_HUB_CACHE, else $HF_HOME/hub, else $XDG_CACHE_HOME/huggingface/hub, else ~/.cache/huggingface/hub.
  return downloadDir || getHFHubCachePath();
}

/** $HF_HOME, else $XDG_CACHE_HOME/huggingface, else ~/.cache/huggingface. */
export function hfHome(): string {
  const env = process.env;
  return env.HF_HOME ?? join(env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "huggingface");
}

export function repoFolder(cacheDir: string, repoId: string): string {
  return join(cacheDir, getRepoFolderName({ name: repoId, type: "model" }));
}

export function snapshotPath(repoDir: string, commit: string, file = ""): string {
  return join(repoDir, "snapshots", commit, file);
}

export function blobPath(repoDir: string, etag: string): string {
  return join(repoDir, "blobs", etag);
}

const COMMIT = /^[0-9a-f]{40}$/;

export function isCommitHash(revision: string): boolean {
  return COMMIT.test(revision);
}

/** The commit a revision names in the cache: itself for a commit hash, else refs/<revision>. */
export async function readRef(repoDir: string, revision: string): Promise<string | null> {
  if (isCommitHash(revision)) return revision;
  try {
    const commit = (await readFile(join(repoDir, "refs", revision), "utf8")).trim();
    return isCommitHash(commit) ? commit : null;
  } catch {
    return null;
  }
}

export async function writeRef(repoDir: string, revision: string, commit: string): Promise<void> {
  if (revision === commit) return;
  const path = join(repoDir, "refs", revision);
  await mkdir(dirname(path), { recursive: true });
  // Write then rename so a concurrent reader never sees a half-written ref.
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, commit);
  await rename(temporary, path);
}

export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Points snapshots/<commit>/<file> at its blob with a relative symlink, as huggingface_hub does. */
export async function linkSnapshotFile(blob: string, pointer: string): Promise<void> {
  await mkdir(dirname(pointer), { recursive: true });
  await unlink(pointer).catch(() => undefined);
  await symlink(relative(dirname(pointer), blob), pointer);
}

/** The cached snapshot folder of a revision, if the cache has one. */
export async function cachedSnapshot(
  cacheDir: string,
  repoId: string,
  revision: string,
): Promise<string | null> {
  const repoDir = repoFolder(cacheDir, repoId);
  const commit = await readRef(repoDir, revision);
  if (commit === null) return null;
  const folder = snapshotPath(repoDir, commit);
  return (await exists(folder)) ? folder : null;
}
