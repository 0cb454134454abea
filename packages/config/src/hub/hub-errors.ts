import { ModelNotFoundError, VllmTsError } from "../errors.js";

const AUTH_HINT =
  "If you are trying to access a private or gated repo, make sure you are authenticated: pass " +
  "`hfToken` or set HF_TOKEN to a token with access to it.";

/** The repository does not exist, or is private and the token (if any) cannot see it. */
export class RepositoryNotFoundError extends ModelNotFoundError {
  override name = "RepositoryNotFoundError";
  constructor(
    readonly repoId: string,
    readonly url: string,
    readonly status: number,
  ) {
    super(
      `${status} Client Error.\n\nRepository Not Found for url: ${url}.\n` +
        `Please make sure you specified the correct \`repo_id\` ('${repoId}').\n${AUTH_HINT}`,
    );
  }
}

/** The repository is gated and the token has not been granted access. */
export class GatedRepoError extends ModelNotFoundError {
  override name = "GatedRepoError";
  constructor(
    readonly repoId: string,
    readonly url: string,
    readonly status: number,
    serverMessage: string | null,
    modelPage: string,
  ) {
    super(
      `${status} Client Error.\n\nCannot access gated repo for url ${url}.\n` +
        (serverMessage ? `${serverMessage}\n` : "") +
        `You are trying to access a gated repo. Make sure to have access to it at ${modelPage} and pass ` +
        "a token with that access as `hfToken` or HF_TOKEN.",
    );
  }
}

/** The branch, tag or commit does not exist in the repository. */
export class RevisionNotFoundError extends ModelNotFoundError {
  override name = "RevisionNotFoundError";
  constructor(
    readonly repoId: string,
    readonly revision: string,
    readonly url: string,
    modelPage: string,
  ) {
    super(
      `404 Client Error.\n\nRevision Not Found for url: ${url}.\n` +
        `${revision} is not a valid git identifier (branch name, tag name or commit id) that exists for this ` +
        `model name. Check the model page at '${modelPage}' for available revisions.`,
    );
  }
}

/** A file listed for download is missing from the revision. */
export class EntryNotFoundError extends ModelNotFoundError {
  override name = "EntryNotFoundError";
  constructor(
    readonly repoId: string,
    readonly path: string,
    readonly url: string,
  ) {
    super(`404 Client Error.\n\nEntry Not Found for url: ${url}.\n'${path}' does not exist in '${repoId}'.`);
  }
}

/** Offline (HF_HUB_OFFLINE=1 or no network) and the revision is not in the local cache. */
export class LocalEntryNotFoundError extends ModelNotFoundError {
  override name = "LocalEntryNotFoundError";
}

/** Any other failure talking to the hub: HTTP errors, dropped connections, corrupt downloads. */
export class HubHttpError extends VllmTsError {
  override name = "HubHttpError";
  constructor(
    message: string,
    readonly url: string,
    readonly status: number | null,
  ) {
    super(message);
  }
}

export interface HubRequestContext {
  readonly repoId: string;
  readonly revision: string;
  readonly endpoint: string;
  /** The file requested, for resolve URLs. */
  readonly path?: string;
}

/**
 * Turns a failed hub response into the typed error huggingface_hub would raise, reading the
 * X-Error-Code / X-Error-Message headers the hub sends (RepoNotFound, GatedRepo, RevisionNotFound,
 * EntryNotFound).
 */
export async function errorFromResponse(
  response: Response,
  url: string,
  context: HubRequestContext,
): Promise<Error> {
  const code = response.headers.get("x-error-code");
  let message = response.headers.get("x-error-message");
  if (message === null) {
    const body = await response.text().catch(() => "");
    try {
      const parsed = JSON.parse(body) as { error?: unknown };
      message = typeof parsed.error === "string" ? parsed.error : null;
    } catch {
      message = body.trim().slice(0, 200) || null;
    }
  }
  const modelPage = `${context.endpoint}/${context.repoId}`;
  const status = response.status;
  if (code === "RevisionNotFound")
    return new RevisionNotFoundError(context.repoId, context.revision, url, modelPage);
  if (code === "EntryNotFound") return new EntryNotFoundError(context.repoId, context.path ?? "", url);
  if (code === "GatedRepo") return new GatedRepoError(context.repoId, url, status, message, modelPage);
  if (status === 401 && message === "Invalid credentials in Authorization header") {
    return new HubHttpError(
      `401 Client Error: the hub rejected the token (${message}) for url: ${url}. Pass a valid \`hfToken\` or fix HF_TOKEN.`,
      url,
      status,
    );
  }
  if (code === "RepoNotFound" || status === 401 || (status === 404 && context.path === undefined)) {
    return new RepositoryNotFoundError(context.repoId, url, status);
  }
  if (status === 404) return new EntryNotFoundError(context.repoId, context.path ?? "", url);
  if (status === 403) {
    return new HubHttpError(
      `403 Forbidden: ${message ?? "access denied"}.\nCannot access content at: ${url}.\n` +
        "Make sure your token has the correct permissions.",
      url,
      status,
    );
  }
  return new HubHttpError(
    `${status} error from the hub for url: ${url}${message ? `: ${message}` : ""}`,
    url,
    status,
  );
}
