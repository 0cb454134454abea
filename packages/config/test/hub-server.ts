// A loopback server with the Hugging Face hub's URL layout and headers, for the hub client's tests:
//   GET  /api/models/{repo}/revision/{rev}      → { sha, siblings } or X-Error-Code errors
//   HEAD|GET /{repo}/resolve/{rev}/{path}       → small files: 200 + ETag (git sha1) + X-Repo-Commit;
//                                                 LFS files: 302 to the CDN + X-Linked-Etag (sha256), X-Linked-Size
//   GET  /cdn/{sha256} (second server)          → the bytes, with Range support
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeRepo {
  /** branch or tag → commit */
  refs: Record<string, string>;
  /** commit → path → contents */
  commits: Record<string, Record<string, Uint8Array | string>>;
  /** Needs this token (401 RepoNotFound without it, as the hub answers for private repos). */
  privateToken?: string;
  /** Gated: files need this token (401/403 GatedRepo otherwise). */
  gatedToken?: string;
  /** The repo moved here: resolve URLs answer with a relative redirect. */
  movedTo?: string;
}

export interface RecordedRequest {
  server: "hub" | "cdn";
  method: string;
  path: string;
  authorization: string | undefined;
  range: string | undefined;
}

const LFS_THRESHOLD = 1024;

export const gitSha1 = (data: Uint8Array) =>
  createHash("sha1").update(`blob ${data.length}\0`).update(data).digest("hex");
export const sha256 = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");

const bytes = (content: Uint8Array | string) =>
  typeof content === "string" ? new TextEncoder().encode(content) : content;

function listen(server: Server): Promise<string> {
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () =>
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    );
  });
}

export class FakeHub {
  readonly repos = new Map<string, FakeRepo>();
  readonly requests: RecordedRequest[] = [];
  /** CDN downloads of these sha256s stop after this many bytes, once each (a dropped connection). */
  readonly dropAfter = new Map<string, number>();
  /** CDN downloads of these sha256s get one byte flipped (corruption in transit). */
  readonly corrupt = new Set<string>();
  url = "";
  cdnUrl = "";
  private readonly hub = createServer((req, res) => this.handleHub(req, res));
  private readonly cdn = createServer((req, res) => this.handleCdn(req, res));
  private readonly blobs = new Map<string, Uint8Array>();

  async start(): Promise<this> {
    this.url = await listen(this.hub);
    this.cdnUrl = await listen(this.cdn);
    return this;
  }

  async close(): Promise<void> {
    this.hub.closeAllConnections();
    this.cdn.closeAllConnections();
    await Promise.all([new Promise((r) => this.hub.close(r)), new Promise((r) => this.cdn.close(r))]);
  }

  addRepo(id: string, repo: FakeRepo): void {
    this.repos.set(id, repo);
    for (const files of Object.values(repo.commits)) {
      for (const content of Object.values(files)) this.blobs.set(sha256(bytes(content)), bytes(content));
    }
  }

  private record(server: "hub" | "cdn", req: IncomingMessage): void {
    this.requests.push({
      server,
      method: req.method ?? "GET",
      path: req.url ?? "",
      authorization: req.headers.authorization,
      range: req.headers.range,
    });
  }

  private static error(res: ServerResponse, status: number, code: string, message: string): void {
    res.writeHead(status, {
      "x-error-code": code,
      "x-error-message": message,
      "content-type": "application/json",
    });
    res.end(JSON.stringify({ error: message }));
  }

  private handleHub(req: IncomingMessage, res: ServerResponse): void {
    this.record("hub", req);
    const url = new URL(req.url ?? "/", this.url);
    const token = req.headers.authorization?.replace(/^Bearer /, "");
    const api = /^\/api\/models\/([^/]+\/[^/]+)\/revision\/([^/]+)$/.exec(url.pathname);
    const resolve = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
    const repoId = decodeURIComponent(api?.[1] ?? resolve?.[1] ?? "");
    const repo = this.repos.get(repoId);
    if (!repo || (repo.privateToken !== undefined && token !== repo.privateToken)) {
      return void FakeHub.error(res, 401, "RepoNotFound", "Repository not found");
    }
    if (resolve && repo.movedTo) {
      res.writeHead(307, { location: `/${repo.movedTo}/resolve/${resolve[2]}/${resolve[3]}` });
      return void res.end();
    }
    const revision = decodeURIComponent(api?.[2] ?? resolve?.[2] ?? "");
    const commit = repo.commits[revision] ? revision : repo.refs[revision];
    if (!commit) return void FakeHub.error(res, 404, "RevisionNotFound", `Invalid rev id: ${revision}`);
    const files = repo.commits[commit] as Record<string, Uint8Array | string>;
    if (api) {
      res.writeHead(200, { "content-type": "application/json" });
      return void res.end(
        JSON.stringify({
          id: repoId,
          sha: commit,
          siblings: Object.keys(files).map((rfilename) => ({ rfilename })),
        }),
      );
    }
    if (!resolve) return void FakeHub.error(res, 404, "NotFound", "Not found");
    if (repo.gatedToken !== undefined && token !== repo.gatedToken) {
      const message = `Access to model ${repoId} is restricted. You must have access to it and be authenticated to access it. Please log in.`;
      return void FakeHub.error(res, token ? 403 : 401, "GatedRepo", message);
    }
    const path = decodeURIComponent(resolve[3] as string);
    const content = files[path];
    if (content === undefined) return void FakeHub.error(res, 404, "EntryNotFound", "Entry not found");
    const data = bytes(content);
    if (data.length >= LFS_THRESHOLD) {
      const pointer = `version https://git-lfs.github.com/spec/v1\noid sha256:${sha256(data)}\nsize ${data.length}\n`;
      res.writeHead(302, {
        location: `${this.cdnUrl}/cdn/${sha256(data)}?expires=1`,
        "x-repo-commit": commit,
        "x-linked-etag": `"${sha256(data)}"`,
        "x-linked-size": String(data.length),
        etag: `"${gitSha1(bytes(pointer))}"`,
      });
      return void res.end();
    }
    res.writeHead(200, {
      etag: `"${gitSha1(data)}"`,
      "x-repo-commit": commit,
      "content-length": String(data.length),
    });
    res.end(req.method === "HEAD" ? undefined : Buffer.from(data));
  }

  private handleCdn(req: IncomingMessage, res: ServerResponse): void {
    this.record("cdn", req);
    const hash = new URL(req.url ?? "/", this.cdnUrl).pathname.replace("/cdn/", "");
    const blob = this.blobs.get(hash);
    if (!blob) {
      res.writeHead(404);
      return void res.end();
    }
    let data = blob;
    if (this.corrupt.has(hash)) {
      data = blob.slice();
      data[data.length >> 1] = (data[data.length >> 1] as number) ^ 0xff;
    }
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
    const start = range ? Number(range[1]) : 0;
    if (start > data.length) {
      res.writeHead(416);
      return void res.end();
    }
    const body = Buffer.from(data.subarray(start));
    res.writeHead(range ? 206 : 200, {
      "content-length": String(body.length),
      ...(range ? { "content-range": `bytes ${start}-${data.length - 1}/${data.length}` } : {}),
    });
    const cut = this.dropAfter.get(hash);
    if (cut !== undefined && cut < body.length) {
      this.dropAfter.delete(hash);
      // Send part of the body, then drop the connection mid-transfer.
      res.write(body.subarray(0, cut), () => setTimeout(() => res.destroy(), 20));
      return;
    }
    res.end(body);
  }
}
