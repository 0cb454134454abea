import { describe, expect, it } from "vitest";
import { pyFloat, pyRepr, pyTypeName } from "./python-repr.js";

describe("Python-style formatting for vLLM's messages", () => {
  it("prints floats as Python's repr does", () => {
    expect([3, -2.5, 0, 1e-5, 1e-4, 0.1, 1e16, 1.5e300, Number.NaN, -Infinity].map(pyFloat)).toEqual([
      "3.0",
      "-2.5",
      "0.0",
      "1e-05",
      "0.0001",
      "0.1",
      "1e+16",
      "1.5e+300",
      "nan",
      "-inf",
    ]);
  });

  it("prints lists, strings and None as Python's repr does", () => {
    expect(pyRepr([1, 2.5, "a", "it's", null, true])).toBe(`[1, 2.5, 'a', "it's", None, True]`);
    expect(pyRepr([])).toBe("[]");
  });

  it("names JS values by their Python types", () => {
    expect([1, 1.5, "s", true, null, [], {}].map(pyTypeName)).toEqual([
      "int",
      "float",
      "str",
      "bool",
      "NoneType",
      "list",
      "dict",
    ]);
  });
});
