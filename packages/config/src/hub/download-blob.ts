import { createHash, type Hash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, open, rename, stat, unlink } from "node:fs/promises";
import { dirname } from "node:path";
import type { HubClient } from "./hub-client.js";
import { errorFromResponse, HubHttpError, type HubRequestContext } from "./hub-errors.js";
import type { DownloadProgressListener } from "./progress.js";

// Consecutive failed attempts (each resuming where the previous stopped) before giving up.
const MAX_ATTEMPTS = 5;

export interface BlobDownload {
  readonly url: string;
  readonly blobPath: string;
  readonly etag: string;
  readonly size: number;
  /** The repository path, for progress and messages. */
  readonly file: string;
  readonly context: HubRequestContext;
}

/**
 * The checksum the etag promises: an LFS etag is the sha256 of the contents; a git etag is the
 * sha1 of "blob <size>\0" + contents. Other etags (none known today) are checked by size only.
 */
function expectedDigest(etag: string, size: number): { hash: Hash; algorithm: string } | null {
  if (/^[0-9a-f]{64}$/.test(etag)) return { hash: createHash("sha256"), algorithm: "sha256" };
  if (/^[0-9a-f]{40}$/.test(etag)) {
    const hash = createHash("sha1");
    hash.update(`blob ${size}\0`);
    return { hash, algorithm: "git sha1" };
  }
  return null;
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

async function hashExisting(path: string, hash: Hash | undefined): Promise<void> {
  if (!hash) return;
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
}

/**
 * Downloads one blob into the cache: bytes go to `<blob>.incomplete`, a later run (or a retry
 * after a dropped connection) resumes it with a Range request, and the finished file is checked
 * against its size and etag digest before it is renamed into place.
 */
export async function downloadBlob(
  client: HubClient,
  download: BlobDownload,
  onProgress: DownloadProgressListener | null,
  fetchImpl: typeof fetch = fetch,
): Promise<void> {
  const { url, blobPath, size, file } = download;
  const incomplete = `${blobPath}.incomplete`;
  await mkdir(dirname(blobPath), { recursive: true });
  let digest = expectedDigest(download.etag, size);
  let written = await sizeOf(incomplete);
  if (written > size) {
    await unlink(incomplete);
    written = 0;
  }
  if (written > 0) await hashExisting(incomplete, digest?.hash);
  let failures = 0;
  let lastError: unknown = null;
  if (size === 0) await (await open(incomplete, "w")).close();
  while (written < size) {
    const headers = client.headersFor(url);
    if (written > 0) headers.range = `bytes=${written}-`;
    let response: Response;
    try {
      response = await fetchImpl(url, { headers, redirect: "follow" });
    } catch (error) {
      lastError = error;
      if (++failures >= MAX_ATTEMPTS) break;
      continue;
    }
    if (response.status === 416 && written > 0) {
      // The server refuses our range: start the file over.
      await unlink(incomplete);
      written = 0;
      digest = expectedDigest(download.etag, size);
      continue;
    }
    if (!response.ok) throw await errorFromResponse(response, url, download.context);
    const resumed = written > 0 && response.status === 206;
    if (written > 0 && !resumed) {
      // A 200 to a Range request carries the whole file.
      written = 0;
      digest = expectedDigest(download.etag, size);
    }
    const handle = await open(incomplete, resumed ? "a" : "w");
    const before = written;
    try {
      if (!response.body) throw new Error("empty response body");
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        await handle.write(chunk);
        digest?.hash.update(chunk);
        written += chunk.byteLength;
        onProgress?.({ file, downloadedBytes: written, totalBytes: size, done: false });
      }
    } catch (error) {
      lastError = error;
    } finally {
      await handle.close();
    }
    if (written > size) break;
    if (written < size) {
      failures = written > before ? 1 : failures + 1;
      if (failures >= MAX_ATTEMPTS) break;
    }
  }
  if (written !== size) {
    if (written > size) await unlink(incomplete).catch(() => undefined);
    const reason = lastError ? `: ${(lastError as Error).message}` : "";
    throw new HubHttpError(
      written > size
        ? `Consistency check failed: ${file} should be ${size} bytes but ${written} were received. The partial file was removed; run again to download it afresh.`
        : `Download of ${file} stopped after ${written} of ${size} bytes${reason}. Run again to resume it from ${incomplete}.`,
      url,
      null,
    );
  }
  if (digest) {
    const actual = digest.hash.digest("hex");
    if (actual !== download.etag) {
      await unlink(incomplete).catch(() => undefined);
      throw new HubHttpError(
        `Checksum mismatch for ${file}: expected ${digest.algorithm} ${download.etag}, got ${actual}. ` +
          "The corrupt download was removed; run again to download it afresh.",
        url,
        null,
      );
    }
  }
  await rename(incomplete, blobPath);
  onProgress?.({ file, downloadedBytes: size, totalBytes: size, done: true });
}
