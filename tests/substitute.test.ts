import { referencedVariables, substitute, SubstitutionError } from "../bootstrap/substitute";
import { parseSubstitutedManifests } from "../bootstrap/manifests";

const settings = { CLUSTER: "infra", CLUSTER_ID: "1", EMPTY: "", POD_CIDR_STRING: "10.244.0.0/16" };

function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected an error");
}

describe("substitute", () => {
  test("replaces ${VAR} with its value", () => {
    expect(substitute("name: ${CLUSTER}\nid: ${CLUSTER_ID}\n", settings, "f.yaml")).toBe("name: infra\nid: 1\n");
  });

  test("replaces a variable inside a longer string, several times per line", () => {
    expect(substitute("x: instance-${CLUSTER}-${CLUSTER_ID}.example/${CLUSTER}", settings, "f.yaml")).toBe(
      "x: instance-infra-1.example/infra",
    );
  });

  test("an empty value is a value, not an unresolved variable", () => {
    expect(substitute("a: '${EMPTY}'", settings, "f.yaml")).toBe("a: ''");
  });

  test.each([":=", "=", ":-", ":?", ":+"])("${VAR%sdefault} falls back only when VAR is unset or empty", (op) => {
    expect(substitute(`a: \${MISSING${op}fallback}`, settings, "f.yaml")).toBe("a: fallback");
    expect(substitute(`a: \${EMPTY${op}fallback}`, settings, "f.yaml")).toBe("a: fallback");
    expect(substitute(`a: \${CLUSTER${op}fallback}`, settings, "f.yaml")).toBe("a: infra");
  });

  test("an empty default with no value is an error (it would install an empty string or null), with its line", () => {
    expect(() => substitute("x: 1\na: ${MISSING:=}", settings, "f.yaml")).toThrow("f.yaml: unresolved variable(s): MISSING (line 2: no value and an empty default)");
    expect(() => substitute("a: '${EMPTY:=}'", settings, "f.yaml")).toThrow(/EMPTY \(line 1: no value and an empty default\)/);
    expect(substitute("a: '${CLUSTER:=}'", settings, "f.yaml")).toBe("a: 'infra'");
  });

  test("errors count lines from where the text starts in its file", () => {
    expect(() => substitute("a: ${NOPE}", settings, "f.yaml", 12)).toThrow("f.yaml: unresolved variable(s): NOPE (line 12)");
    expect(() => substitute("\na: ${BAD", settings, "f.yaml", 5)).toThrow("f.yaml: line 6: bad substitution");
  });

  test("a default may contain spaces and colons, and nest variables", () => {
    expect(substitute("a: ${MISSING:=http://x:80/y z}", settings, "f.yaml")).toBe("a: http://x:80/y z");
    expect(substitute("cidr: ${NATIVE:=${POD_CIDR_STRING}}", settings, "f.yaml")).toBe("cidr: 10.244.0.0/16");
    expect(substitute("cidr: ${CLUSTER:=${POD_CIDR_STRING}}", settings, "f.yaml")).toBe("cidr: infra");
  });

  test("a variable in a default must resolve even when the default is not used (Flux evaluates it)", () => {
    expect(() => substitute("a: ${CLUSTER:=${NOPE}}", settings, "f.yaml")).toThrow(/NOPE/);
  });

  test("$${VAR} is the literal text ${VAR}, and $$ is a literal $", () => {
    expect(substitute("a: $${CLUSTER}", settings, "f.yaml")).toBe("a: ${CLUSTER}");
    expect(substitute("a: $${NOT_SET} and ${CLUSTER}", settings, "f.yaml")).toBe("a: ${NOT_SET} and infra");
    expect(substitute("price: $$5 $$$${CLUSTER}", settings, "f.yaml")).toBe("price: $5 $${CLUSTER}");
  });

  test("$VAR without braces and a lone $ are plain text", () => {
    expect(substitute("a: $CLUSTER costs $ 5", settings, "f.yaml")).toBe("a: $CLUSTER costs $ 5");
  });

  test("an unresolved variable throws naming the file and every unresolved variable", () => {
    const e = errorOf(() => substitute("a: ${ONE}\nb: ${CLUSTER}\nc: ${TWO}-${ONE}\n", settings, "kubernetes/x/helmrelease.yaml"));
    expect(e).toBeInstanceOf(SubstitutionError);
    const se = e as SubstitutionError;
    expect(se.file).toBe("kubernetes/x/helmrelease.yaml");
    expect(se.unresolved).toEqual(["ONE", "TWO"]);
    expect(se.message).toContain("kubernetes/x/helmrelease.yaml");
    expect(se.message).toMatch(/ONE \(line 1, 3\)/);
    expect(se.message).toMatch(/TWO \(line 3\)/);
  });

  test.each([
    ["${}", /variable name/],
    ["${1ABC}", /variable name/],
    ["${ CLUSTER}", /variable name/],
    ["${CLUSTER", /closing/],
    ["${MISSING:=abc", /closing/],
    ["${CLUSTER:1:2}", /unsupported/],
    ["${CLUSTER/a/b}", /unsupported/],
    ["${CLUSTER^^}", /unsupported/],
    ["${CLUSTER-x}", /closing/],
    ["${CLUSTER#x}", /unsupported/],
  ])("rejects malformed or unsupported %s, naming the file and line", (expr, reason) => {
    const e = errorOf(() => substitute(`ok: 1\nbad: ${expr}\n`, settings, "k.yaml"));
    expect(e.message).toMatch(/^k\.yaml: line 2: bad substitution/);
    expect(e.message).toMatch(reason);
  });

  test("rejects settings keys Flux would reject", () => {
    expect(() => substitute("a", { "BAD-KEY": "x" }, "f.yaml")).toThrow(/BAD-KEY/);
  });

  test("referencedVariables lists every variable, defaults included, once", () => {
    expect(referencedVariables("${A} ${B:=${C}} $${D} ${A}")).toEqual(["A", "B", "C"]);
  });
});

describe("manifest files", () => {
  const two = ["apiVersion: v1", "kind: ConfigMap", "metadata: { name: a }", "---", "apiVersion: v1", "kind: ConfigMap", "metadata: { name: b }", "data:", "  x: ${NOPE}", ""].join("\n");

  it("report substitution errors at the line of the file, not of the document", () => {
    expect(() => parseSubstitutedManifests(two, {}, "kubernetes/x.yaml")).toThrow("kubernetes/x.yaml: unresolved variable(s): NOPE (line 9)");
  });

  it("report a YAML syntax error with the file, line and column", () => {
    expect(() => parseSubstitutedManifests("apiVersion: v1\nkind: [ConfigMap\n", {}, "kubernetes/y.yaml")).toThrow(/kubernetes\/y\.yaml.*invalid YAML at line \d+, column \d+/);
  });
});
