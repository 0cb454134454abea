// Every op of the backend. Ops write into outputs the caller owns and never wait for the device.
export { add, cast, copy, fill } from "./elementwise.js";
