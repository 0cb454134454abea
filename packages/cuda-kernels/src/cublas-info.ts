import { nativeOps } from "./load-addon.js";

/** Where cuBLASLt was found (it is opened at run time, never linked), and how GEMMs ran. */
export interface CublasInfo {
  loaded: boolean;
  /** The library name dlopen succeeded with, e.g. "libcublasLt.so.13". */
  path?: string;
  /** cublasLtGetVersion(): major·10000 + minor·100 + patch. */
  version?: number;
  /** Why it could not be loaded, and what to install. */
  reason?: string;
  /** GEMMs that ran the plain CUDA kernel instead of cuBLASLt since the process started. */
  fallbackGemms: number;
  allowTf32: boolean;
}

interface CublasInfoOps {
  cublasInfo(): CublasInfo;
  setCublasTf32(enabled: boolean): void;
}

/** Loads cuBLASLt if it has not been yet, and reports on it. */
export function cublasInfo(): CublasInfo {
  return nativeOps<CublasInfoOps>().cublasInfo();
}

/**
 * Lets float32 GEMMs on CUDA use tf32 tensor cores: several times faster, with about 1e-3 relative
 * error instead of float32 rounding. Off by default.
 */
export function setCublasTf32(enabled: boolean): void {
  nativeOps<CublasInfoOps>().setCublasTf32(enabled);
}
