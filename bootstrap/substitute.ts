/**
 * Flux postBuild variable substitution (kustomize-controller, fluxcd/pkg
 * envsubst), applied to manifest text before it is parsed as YAML.
 *
 * Supported, with Flux's semantics:
 *  - `${VAR}`                      the value of VAR (an empty value is fine)
 *  - `${VAR:=dflt}` `${VAR=dflt}` `${VAR:-dflt}` `${VAR:?dflt}` `${VAR:+dflt}`
 *                                  VAR if it is non-empty, else `dflt`; Flux
 *                                  gives all of these the same meaning, and the
 *                                  default may itself contain `${...}`
 *  - `$$`                          a literal `$`, so `$${VAR}` yields `${VAR}`
 *  - a `$` not followed by `{` or `$` is plain text (`$VAR` is not expanded).
 *
 * Unlike Flux's default (non-strict) mode, a variable missing from the settings
 * is an error: the bootstrap must never install `${VAR}` or an empty string. So is
 * `${VAR:=}` (an empty default) when VAR has no value: Flux would yield "", which
 * YAML reads as null for an unquoted value.
 *
 * Errors name the file and the line in that file (`firstLine` is where `text`
 * starts in it, for one document of a multi-document file).
 * Flux's string functions (`${#VAR}`, `${VAR:1:2}`, `${VAR/a/b}`, `${VAR^^}`,
 * ...) are rejected rather than approximated.
 */
import { ProjectError } from "../lib/problems";

export type Settings = Readonly<Record<string, string>>;

/** kustomize-controller rejects settings keys not matching this. */
export const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Operators that fall back to a default; Flux maps all of them to one function. */
const DEFAULT_OPERATORS = [":=", ":-", ":?", ":+", "="] as const;
/** First characters of Flux's other operators (substring, replace, trim, case). */
const FUNCTION_STARTS = [":", "/", "#", "%", ",", "^"];

export class SubstitutionError extends ProjectError {
  constructor(
    readonly file: string,
    readonly unresolved: readonly string[],
    message: string,
  ) {
    super(message);
  }
}

interface Reference {
  readonly name: string;
  readonly line: number;
  /** Unset or empty, with an empty default. */
  readonly emptyDefault?: boolean;
}

/** Substitutes `text` from `settings`; `file` names the source in errors. */
export function substitute(text: string, settings: Settings, file: string, firstLine = 1): string {
  assertValidSettings(settings, file);
  const scanner = new Scanner(text, file, settings, firstLine);
  const out = scanner.topLevel();
  const unresolved = scanner.missing;
  if (unresolved.length > 0) {
    const names = [...new Set(unresolved.map((u) => u.name))];
    const describe = (n: string) => {
      const refs = unresolved.filter((u) => u.name === n);
      const lines = `line ${refs.map((u) => u.line).join(", ")}`;
      return refs.every((u) => u.emptyDefault) ? `${n} (${lines}: no value and an empty default)` : `${n} (${lines})`;
    };
    throw new SubstitutionError(file, names, `${file}: unresolved variable(s): ${names.map(describe).join(", ")}`);
  }
  return out;
}

/** Names of every variable `text` references, in order of first use. */
export function referencedVariables(text: string): string[] {
  const scanner = new Scanner(text, "<text>", {});
  scanner.topLevel();
  return [...new Set(scanner.references.map((r) => r.name))];
}

function assertValidSettings(settings: Settings, file: string): void {
  const bad = Object.entries(settings).filter(
    ([k, v]) => !VARIABLE_NAME.test(k) || typeof v !== "string",
  );
  if (bad.length > 0) {
    throw new Error(
      `${file}: invalid settings (keys must match ${VARIABLE_NAME}, values must be strings): ${bad
        .map(([k]) => JSON.stringify(k))
        .join(", ")}`,
    );
  }
}

/** A small recursive-descent reader over one text. */
class Scanner {
  /** Every variable read, and those read without a default and not set. */
  readonly references: Reference[] = [];
  readonly missing: Reference[] = [];
  private pos = 0;

  constructor(
    private readonly text: string,
    private readonly file: string,
    private readonly settings: Settings,
    private readonly firstLine = 1,
  ) {}

  topLevel(): string {
    let out = "";
    while (this.pos < this.text.length) {
      const ch = this.text[this.pos];
      const next = this.text[this.pos + 1];
      if (ch === "$" && next === "$") {
        out += "$";
        this.pos += 2;
      } else if (ch === "$" && next === "{") {
        out += this.expression();
      } else {
        out += ch;
        this.pos += 1;
      }
    }
    return out;
  }

  /** Reads `${...}` at the current position and returns its value. */
  private expression(): string {
    const start = this.pos;
    this.pos += 2;
    const nameMatch = /^[A-Za-z0-9_]+/.exec(this.text.slice(this.pos));
    if (!nameMatch || !VARIABLE_NAME.test(nameMatch[0])) {
      throw this.syntaxError(start, "expected a variable name after '${'");
    }
    const name = nameMatch[0];
    this.pos += name.length;
    this.references.push({ name, line: this.lineOf(start) });

    if (this.text[this.pos] === "}") {
      this.pos += 1;
      return this.lookup(name, start) ?? "";
    }
    const operator = DEFAULT_OPERATORS.find((op) => this.text.startsWith(op, this.pos));
    if (operator === undefined) {
      // Flux's string functions start with one of these; anything else is a syntax error there too.
      if (FUNCTION_STARTS.includes(this.text[this.pos])) {
        throw this.syntaxError(
          start,
          `unsupported substitution '${this.text.slice(start, this.pos + 1)}…' (only \${VAR} and \${VAR:=default} forms)`,
        );
      }
      throw this.syntaxError(start, `missing closing '}' after '\${${name}'`);
    }
    this.pos += operator.length;
    // Flux evaluates the default eagerly, so its variables must resolve too.
    const fallback = this.defaultValue(start);
    const value = this.settings[name];
    if ((value === undefined || value === "") && fallback === "") this.missing.push({ name, line: this.lineOf(start), emptyDefault: true });
    return value === undefined || value === "" ? fallback : value;
  }

  /** Reads the default up to the closing brace; nested `${...}` is expanded. */
  private defaultValue(start: number): string {
    let out = "";
    while (this.pos < this.text.length) {
      const ch = this.text[this.pos];
      if (ch === "}") {
        this.pos += 1;
        return out;
      }
      if (ch === "$" && this.text[this.pos + 1] === "{") {
        out += this.expression();
      } else {
        out += ch;
        this.pos += 1;
      }
    }
    throw this.syntaxError(start, "missing closing '}'");
  }

  private lookup(name: string, at: number): string | undefined {
    const value = this.settings[name];
    if (value === undefined) this.missing.push({ name, line: this.lineOf(at) });
    return value;
  }

  private lineOf(offset: number): number {
    let line = this.firstLine;
    for (let i = 0; i < offset; i += 1) if (this.text[i] === "\n") line += 1;
    return line;
  }

  private syntaxError(at: number, reason: string): Error {
    return new Error(`${this.file}: line ${this.lineOf(at)}: bad substitution: ${reason}`);
  }
}
