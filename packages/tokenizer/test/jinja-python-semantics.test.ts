import { describe, expect, it } from "vitest";
import { applyChatTemplate } from "../src/chat/apply-chat-template.js";

// Expected values are what Jinja2 3.1.6 (ImmutableSandboxedEnvironment, as transformers sets it up)
// renders for the same sources.
const r = (source: string, variables: Record<string, unknown> = {}) =>
  applyChatTemplate({ templates: source, specialTokens: variables }, [{ role: "user", content: "" }]);

describe("Python operators in templates", () => {
  it("+ adds numbers and concatenates strings and lists", () => {
    expect(r("{{ 'a' + 'b' }}|{{ 1 + 2 }}|{{ 1 + 2.5 }}|{{ true + 1 }}|{{ [1] + [2] }}")).toBe(
      "ab|3|3.5|2|[1, 2]",
    );
  });

  it("+ between a string and anything else raises Python's TypeError", () => {
    expect(() => r("{{ 'x' + [1] }}")).toThrow('can only concatenate str (not "list") to str');
    expect(() => r("{{ 'x' + 1 }}")).toThrow('can only concatenate str (not "int") to str');
    expect(() => r("{{ 1 + 'x' }}")).toThrow("unsupported operand type(s) for +: 'int' and 'str'");
    expect(() => r("{{ [1] + 'x' }}")).toThrow('can only concatenate list (not "str") to list');
    expect(() => r("{{ 'x' + d }}", { d: { a: 1 } })).toThrow('can only concatenate str (not "dict") to str');
    expect(() => r("{{ 'x' + missing }}")).toThrow("'missing' is undefined");
  });
});

describe("markupsafe strings (|safe, |escape)", () => {
  it("+ next to a Markup string escapes the other operand (Mistral's tool-call rendering)", () => {
    expect(r(`{% set a = x|tojson|safe %}{{ '{"k": ' + a + ', "q": "<&>"}' }}`, { x: { a: "b" } })).toBe(
      '{&#34;k&#34;: {"a": "b"}, &#34;q&#34;: &#34;&lt;&amp;&gt;&#34;}',
    );
  });

  it("escape is idempotent, forceescape is not, ~ never escapes", () => {
    expect(
      r(
        "{{ ('<b>'|e) + '<i>' }}|{{ '<b>'|escape|escape }}|{{ '<x>'|safe|forceescape }}|{{ ('<a>'|safe|string) + '&' }}|{{ '<a>' ~ ('&'|safe) }}",
      ),
    ).toBe("&lt;b&gt;&lt;i&gt;|&lt;b&gt;|&lt;x&gt;|<a>&amp;|<a>&");
  });
});

describe("select/reject/selectattr/rejectattr/map return generators", () => {
  it("a generator is truthy even when empty; a falsy input yields nothing", () => {
    expect(
      r(
        "{% if xs|selectattr('k') %}T{% else %}F{% endif %}|{{ xs|selectattr('k')|list|length }}|{{ none|selectattr('k')|list }}|{{ none|map('upper')|list }}|{{ ''|select|list }}",
        { xs: [] },
      ),
    ).toBe("T|0|[]|[]|[]");
  });

  it("has no len(), no JSON form and is not reversible, but iterates", () => {
    const xs = { xs: [1, 2] };
    expect(() => r("{{ xs|select|length }}", xs)).toThrow("object of type 'generator' has no len()");
    expect(() => r("{{ xs|select|tojson }}", xs)).toThrow(
      "Object of type generator is not JSON serializable",
    );
    expect(() => r("{{ xs|select|last }}", xs)).toThrow("'generator' object is not reversible");
    expect(r("{{ (xs|select)[0] }}", xs)).toBe("");
    expect(
      r(
        "{{ xs|select|first }}|{{ xs|select|reverse|list }}|{{ xs|map('string')|join('-') }}|{{ 2 in xs|select }}",
        xs,
      ),
    ).toBe("1|[2, 1]|1-2|True");
  });

  it("Undefined has no JSON form", () => {
    expect(() => r("{{ missing|tojson }}")).toThrow("Object of type Undefined is not JSON serializable");
  });
});
