import { ModelNotFoundError } from "@vllm-ts/config";
import type { NativeTensor } from "./addon-types.js";
import { nativeOps } from "./load-addon.js";
import type { Tensor } from "./tensor.js";

interface FileIoOps {
  readFileInto(dst: NativeTensor, path: string, fileOffset: number): Promise<void>;
}

/**
 * A file that cannot be read as asked: missing ("ENOENT"), not readable ("EACCES", "EISDIR"), or
 * shorter than the bytes requested ("ESHORT", a truncated download). `path` names the file.
 */
export class FileReadError extends ModelNotFoundError {
  override name = "FileReadError";

  constructor(
    message: string,
    readonly code: string,
    readonly path: string,
  ) {
    super(message);
  }
}

/**
 * Reads `dst.nbytes` bytes of the file at `path`, starting at byte `fileOffset`, straight into the
 * tensor's memory (host or device; `dst` may be a view). Runs off the main thread; the promise
 * settles when the bytes are in place. Keep `dst` undisposed until then.
 */
export async function readFileInto(dst: Tensor, path: string, fileOffset: number): Promise<void> {
  try {
    await nativeOps<FileIoOps>().readFileInto(dst.native, path, fileOffset);
  } catch (error) {
    const { code } = error as { code?: unknown };
    // Device and disposal failures already arrive as typed errors; file failures carry a code.
    if (
      typeof code === "string" &&
      code !== "EDEVICE" &&
      code !== "EDISPOSED" &&
      !(error instanceof FileReadError)
    ) {
      throw new FileReadError((error as Error).message, code, path);
    }
    throw error;
  }
}
