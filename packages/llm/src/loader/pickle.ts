import { InvalidCheckpointError } from "./errors.js";
import {
  allowedGlobal,
  call,
  isGlobal,
  type PyGlobal,
  persistentLoad,
  refused,
  type StorageRef,
} from "./pickle-globals.js";

export type { StorageRef, TensorRef } from "./pickle-globals.js";

/**
 * A restricted unpickler for PyTorch state dicts (protocol 2–5 opcodes for plain data, dicts,
 * tuples, persistent storage ids, and the rebuild functions of tensors). Any other global,
 * extension, or object construction is refused with an UnsafeCheckpointError; nothing executes.
 */
export function unpickle(data: Uint8Array, path: string): unknown {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const stack: unknown[] = [];
  const marks: number[] = [];
  const memo = new Map<number, unknown>();
  const storages = new Map<string, StorageRef>();
  let at = 0;
  const need = (n: number) => {
    if (at + n > data.length) throw new InvalidCheckpointError(path, `the pickle ends early (offset ${at})`);
  };
  const pop = (): unknown => {
    if (stack.length === 0 || (marks.length > 0 && stack.length <= (marks.at(-1) as number))) {
      throw new InvalidCheckpointError(path, `pickle stack underflow at offset ${at}`);
    }
    return stack.pop();
  };
  const top = (): unknown => {
    if (stack.length === 0) throw new InvalidCheckpointError(path, `pickle stack underflow at offset ${at}`);
    return stack[stack.length - 1];
  };
  const popMark = (): unknown[] => {
    const mark = marks.pop();
    if (mark === undefined) throw new InvalidCheckpointError(path, `pickle MARK missing at offset ${at}`);
    return stack.splice(mark);
  };
  const bytes = (n: number): Uint8Array => {
    if (!Number.isSafeInteger(n) || n < 0) throw new InvalidCheckpointError(path, "bad length in the pickle");
    need(n);
    const out = data.subarray(at, at + n);
    at += n;
    return out;
  };
  const text = (n: number, encoding = "utf-8") => {
    try {
      return new TextDecoder(encoding, { fatal: true }).decode(bytes(n));
    } catch (error) {
      if (error instanceof InvalidCheckpointError) throw error;
      throw new InvalidCheckpointError(path, "a pickled string is not valid text");
    }
  };
  const line = (): string => {
    const end = data.indexOf(0x0a, at);
    if (end < 0) throw new InvalidCheckpointError(path, "the pickle ends inside a GLOBAL");
    return text(end - at + 1).slice(0, -1);
  };
  const u8 = (): number => {
    need(1);
    return view.getUint8(at++);
  };
  const u32 = (): number => {
    need(4);
    at += 4;
    return view.getUint32(at - 4, true);
  };
  const u64 = (): number => {
    need(8);
    at += 8;
    return Number(view.getBigUint64(at - 8, true));
  };
  const setItems = (target: unknown, items: unknown[]) => {
    if (!(target instanceof Map))
      throw new InvalidCheckpointError(path, "SETITEM on a value that is not a dict");
    for (let i = 0; i + 1 < items.length; i += 2) target.set(items[i], items[i + 1]);
  };
  const pushGlobal = (module: string, name: string) => {
    if (!allowedGlobal(module, name)) throw refused(path, `the global ${module}.${name}`);
    stack.push({ kind: "global", module, name } satisfies PyGlobal);
  };

  for (;;) {
    const opcode = u8();
    switch (opcode) {
      case 0x80: // PROTO
        u8();
        break;
      case 0x95: // FRAME
        u64();
        break;
      case 0x2e: // STOP
        if (stack.length !== 1)
          throw new InvalidCheckpointError(path, "the pickle does not end with one value");
        return stack[0];
      case 0x28: // MARK
        marks.push(stack.length);
        break;
      case 0x7d: // EMPTY_DICT
        stack.push(new Map());
        break;
      case 0x5d: // EMPTY_LIST
      case 0x29: // EMPTY_TUPLE
        stack.push([]);
        break;
      case 0x74: // TUPLE
      case 0x6c: // LIST
        stack.push(popMark());
        break;
      case 0x64: {
        // DICT
        const map = new Map();
        setItems(map, popMark());
        stack.push(map);
        break;
      }
      case 0x85: // TUPLE1
        stack.push([pop()]);
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        stack.push([pop(), b]);
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        stack.push([pop(), b, c]);
        break;
      }
      case 0x61: {
        // APPEND
        const value = pop();
        const list = top();
        if (!Array.isArray(list))
          throw new InvalidCheckpointError(path, "APPEND to a value that is not a list");
        list.push(value);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        const list = top();
        if (!Array.isArray(list))
          throw new InvalidCheckpointError(path, "APPENDS to a value that is not a list");
        list.push(...items);
        break;
      }
      case 0x73: {
        // SETITEM
        const value = pop();
        const key = pop();
        setItems(top(), [key, value]);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        setItems(top(), items);
        break;
      }
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4a: // BININT
        need(4);
        stack.push(view.getInt32(at, true));
        at += 4;
        break;
      case 0x4b: // BININT1
        stack.push(u8());
        break;
      case 0x4d: // BININT2
        need(2);
        stack.push(view.getUint16(at, true));
        at += 2;
        break;
      case 0x8a: // LONG1
      case 0x8b: {
        // LONG4
        const raw = bytes(opcode === 0x8a ? u8() : u32());
        let value = 0n;
        for (let i = raw.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(raw[i] as number);
        if (raw.length > 0 && (raw[raw.length - 1] as number) & 0x80) value -= 1n << BigInt(raw.length * 8);
        stack.push(
          value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
            ? Number(value)
            : value,
        );
        break;
      }
      case 0x47: // BINFLOAT
        need(8);
        stack.push(view.getFloat64(at, false));
        at += 8;
        break;
      case 0x58: // BINUNICODE
        stack.push(text(u32()));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(text(u8()));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(text(u64()));
        break;
      case 0x54: // BINSTRING
        stack.push(text(u32(), "latin1"));
        break;
      case 0x55: // SHORT_BINSTRING
        stack.push(text(u8(), "latin1"));
        break;
      case 0x42: // BINBYTES
        stack.push(bytes(u32()).slice());
        break;
      case 0x43: // SHORT_BINBYTES
        stack.push(bytes(u8()).slice());
        break;
      case 0x8e: // BINBYTES8
        stack.push(bytes(u64()).slice());
        break;
      case 0x71: // BINPUT
        memo.set(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x68: // BINGET
      case 0x6a: {
        // LONG_BINGET
        const index = opcode === 0x68 ? u8() : u32();
        if (!memo.has(index)) throw new InvalidCheckpointError(path, `pickle memo ${index} is not set`);
        stack.push(memo.get(index));
        break;
      }
      case 0x63: {
        // GLOBAL
        const module = line();
        pushGlobal(module, line());
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== "string" || typeof name !== "string") {
          throw new InvalidCheckpointError(path, "STACK_GLOBAL needs two strings");
        }
        pushGlobal(module, name);
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        stack.push(call(pop(), args, path));
        break;
      }
      case 0x81: {
        // NEWOBJ
        const args = pop();
        const cls = pop();
        if (!isGlobal(cls, "collections.OrderedDict")) throw refused(path, "constructing an object");
        stack.push(call(cls, args, path));
        break;
      }
      case 0x62: // BUILD: state for OrderedDict (_metadata) or a Parameter; data only, ignored.
        pop();
        top();
        break;
      case 0x51: {
        // BINPERSID
        const pid = pop();
        stack.push(persistentLoad(pid, storages, path));
        break;
      }
      case 0x30: // POP
        if (marks.length > 0 && stack.length === marks.at(-1)) marks.pop();
        else pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;
      default:
        throw refused(path, `pickle opcode 0x${opcode.toString(16).padStart(2, "0")} at offset ${at - 1}`);
    }
  }
}
