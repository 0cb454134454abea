export {
  BackendError,
  InvalidTypeError,
  ModelNotFoundError,
  OutOfMemoryError,
  UnsupportedError,
  ValidationError,
  VllmTsError,
} from "./errors.js";
export { camelCaseKeys, toCamelCase, toSnakeCase } from "./naming.js";
