import { HUB_URL } from "@huggingface/hub";
import { errorFromResponse, HubHttpError, type HubRequestContext } from "./hub-errors.js";

/** What a repository revision holds (GET /api/models/{repo}/revision/{revision}). */
export interface RepoRevisionInfo {
  readonly commit: string;
  readonly files: readonly string[];
}

/** Where and what a file is (HEAD /{repo}/resolve/{revision}/{path}), as huggingface_hub reads it. */
export interface FileMetadata {
  readonly commit: string | null;
  /** The blob's name in the cache: the LFS sha256 for large files, the git blob sha1 otherwise. */
  readonly etag: string;
  readonly size: number;
  /** Where to GET the bytes (the CDN location for LFS files). */
  readonly location: string;
}

/** HF_ENDPOINT, else the public hub. */
export function hubEndpoint(endpoint?: string | null): string {
  return (endpoint ?? process.env.HF_ENDPOINT ?? HUB_URL).replace(/\/+$/, "");
}

function normalizeEtag(etag: string): string {
  return etag.replace(/^W\//, "").replace(/^"(.*)"$/, "$1");
}

function encodePath(path: string): string {
  return path.split("/").map(encodeURIComponent).join("/");
}

/** The HTTP side of the hub: repository info and file metadata, with typed errors. */
export class HubClient {
  constructor(
    readonly endpoint: string,
    private readonly token: string | null,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  /** Authorization for requests to the hub itself (never forwarded to a CDN on another origin). */
  headersFor(url: string): Record<string, string> {
    const headers: Record<string, string> = { "user-agent": "vllm-ts", "accept-encoding": "identity" };
    if (this.token !== null && new URL(url).origin === new URL(this.endpoint).origin) {
      headers.authorization = `Bearer ${this.token}`;
    }
    return headers;
  }

  private async request(url: string, init: RequestInit): Promise<Response> {
    try {
      return await this.fetchImpl(url, init);
    } catch (error) {
      const cause = (error as { cause?: { message?: string } }).cause?.message;
      throw new HubNetworkError(`Cannot reach ${url}: ${cause ?? (error as Error).message}`, url);
    }
  }

  async repoInfo(repoId: string, revision: string): Promise<RepoRevisionInfo> {
    const url = `${this.endpoint}/api/models/${repoId}/revision/${encodeURIComponent(revision)}`;
    const response = await this.request(url, { headers: this.headersFor(url) });
    const context: HubRequestContext = { repoId, revision, endpoint: this.endpoint };
    if (!response.ok) throw await errorFromResponse(response, url, context);
    const body = (await response.json()) as { sha?: unknown; siblings?: { rfilename?: unknown }[] };
    if (typeof body.sha !== "string" || !Array.isArray(body.siblings)) {
      throw new HubHttpError(`Unexpected answer from ${url}: no 'sha' or 'siblings'`, url, response.status);
    }
    const files = body.siblings
      .map((sibling) => sibling.rfilename)
      .filter((name) => typeof name === "string");
    return { commit: body.sha, files: files as string[] };
  }

  resolveUrl(repoId: string, revision: string, path: string): string {
    return `${this.endpoint}/${repoId}/resolve/${encodeURIComponent(revision)}/${encodePath(path)}`;
  }

  /**
   * HEAD the file without following the CDN redirect, so the hub's own headers are read:
   * X-Repo-Commit, X-Linked-Etag and X-Linked-Size for LFS files, ETag and Content-Length for the
   * others. Relative redirects (renamed repositories) are followed.
   */
  async fileMetadata(repoId: string, revision: string, path: string): Promise<FileMetadata> {
    const context: HubRequestContext = { repoId, revision, endpoint: this.endpoint, path };
    let url = this.resolveUrl(repoId, revision, path);
    for (let hops = 0; hops < 5; hops++) {
      const response = await this.request(url, {
        method: "HEAD",
        redirect: "manual",
        headers: this.headersFor(url),
      });
      const location = response.headers.get("location");
      const isRedirect = response.status >= 300 && response.status < 400 && location !== null;
      if (isRedirect && location.startsWith("/")) {
        url = new URL(location, url).toString();
        continue;
      }
      if (!response.ok && !isRedirect) throw await errorFromResponse(response, url, context);
      const etag = response.headers.get("x-linked-etag") ?? response.headers.get("etag");
      const size = Number(response.headers.get("x-linked-size") ?? response.headers.get("content-length"));
      if (etag === null || !Number.isFinite(size)) {
        throw new HubHttpError(
          `The hub sent no ETag or size for ${url}; cannot download it safely`,
          url,
          response.status,
        );
      }
      return {
        commit: response.headers.get("x-repo-commit"),
        etag: normalizeEtag(etag),
        size,
        location: isRedirect ? new URL(location, url).toString() : url,
      };
    }
    throw new HubHttpError(`Too many redirects for ${url}`, url, null);
  }
}

/** The hub could not be reached at all (no network, DNS, refused connection). */
export class HubNetworkError extends HubHttpError {
  override name = "HubNetworkError";
  constructor(message: string, url: string) {
    super(message, url, null);
  }
}
