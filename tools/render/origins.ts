/**
 * Where each value the program handles came from: every string a mock provider returned
 * (resource outputs, invoke results), every `secure:` stack config value and every
 * offline credential, indexed by value. The render uses it to name a secret's source in
 * its placeholder, and to tell secret leaves from plain ones inside a secret object.
 *
 * The mocks are deterministic, so asking the run's MockWorld again for the outputs of a
 * recorded resource or invoke yields exactly what the program received.
 */
import { Invocation, MOCK_SECRET_MARKER, MockSecret, OFFLINE_ENV, RegisteredResource, RunResult, normalise, reveal } from "../../harness";
import { compare, subject } from "./names";

export interface Origin {
  /** What produced the value: `type "name"`, an invoke, `stack config key`, `environment variable X`. */
  readonly source: string;
  /** Where in what it produced, e.g. `output machineSecrets.certs.os.key`; empty when the source is the value. */
  readonly detail: string;
  /** The provider returns it as a secret, or it is secret material (a mock sensitive value). */
  readonly secret: boolean;
}

export interface Leaf {
  readonly path: string;
  readonly value: string;
  /** Inside a secret (a MockSecret anywhere above it). */
  readonly secret: boolean;
}

/** How the mocks' identifiers look (harness/mocks.ts hex/uuid): hex runs and UUIDs. */
export const MOCK_ID_SHAPE = /^([0-9a-f]{16,}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;
/** Output paths that hold an identifier: `id`, `uuid`, `zoneId`, `account.id`, `items[x].id`. */
const ID_PATH = /(^|\.|\])(id|uuid|[A-Za-z]+Id)$/;

/** `text` with a hex-looking identifier replaced, for source descriptions. */
function idless(text: string): string {
  return MOCK_ID_SHAPE.test(text) ? "<id>" : text;
}

/** Strings shorter than this are too common ("true", "v1", names) to say where they came from. */
const MIN_ORIGIN_LENGTH = 8;
/** Only values at least this long are looked for inside longer strings (a PEM inside a kubeconfig). */
const MIN_EMBEDDED_LENGTH = 16;

function elementKey(value: unknown, index: number): string {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    const record = value as Record<string, unknown>;
    for (const key of ["label", "name", "id"]) if (typeof record[key] === "string" && record[key] !== "") return String(record[key]);
  }
  return String(index);
}

export function joinPath(path: string, key: string | number): string {
  if (typeof key === "number") return `${path}[${key}]`;
  return path === "" ? key : `${path}.${key}`;
}

/** Every string leaf under `value`, with its path; array elements keyed by their label/name/id when they have one. */
export function leaves(value: unknown, path = "", secret = false): Leaf[] {
  if (value instanceof MockSecret) return leaves(value.value, path, true);
  if (typeof value === "string") return [{ path, value, secret }];
  if (Array.isArray(value)) return value.flatMap((v, i) => leaves(v, `${path}[${elementKey(v, i)}]`, secret));
  if (value === null || typeof value !== "object") return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => leaves(v, joinPath(path, k), secret));
}

/** Inputs that best tell one call of a function from another, first. */
const IDENTIFYING_INPUTS = ["title", "name", "node", "clusterName", "machineType", "vault"];

function scalarInputs(inputs: Record<string, unknown>): string {
  const rank = (k: string) => (IDENTIFYING_INPUTS.includes(k) ? IDENTIFYING_INPUTS.indexOf(k) : IDENTIFYING_INPUTS.length);
  return Object.keys(inputs)
    .filter((k) => ["string", "number", "boolean"].includes(typeof inputs[k]) && !String(inputs[k]).includes(MOCK_SECRET_MARKER))
    .sort((a, b) => rank(a) - rank(b) || compare(a, b))
    .slice(0, 2)
    .map((k) => {
      const text = idless(String(inputs[k]));
      return `${k}=${text.length > 24 ? `${text.slice(0, 23)}…` : text}`;
    })
    .join(" ");
}

/** The text `value` encodes when it is canonical base64 of printable UTF-8; otherwise undefined. */
export function decodeBase64Text(value: string): string | undefined {
  if (value.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(value)) return undefined;
  const decoded = Buffer.from(value, "base64").toString("utf8");
  if (Buffer.from(decoded, "utf8").toString("base64") !== value) return undefined;
  return /^[\t\n\r\x20-\x7e]*$/.test(decoded) ? decoded : undefined;
}

export function invokeSource(invoke: Pick<Invocation, "token" | "inputs">): string {
  const scalars = scalarInputs(invoke.inputs);
  return scalars ? `${invoke.token} ${scalars}` : invoke.token;
}

export class OriginIndex {
  private readonly exact = new Map<string, Origin>();
  private readonly embedded: [string, Origin][] = [];
  /** Identifiers the mocks made up (resource ids, uuids, the offline account id) → where from. */
  private readonly ids = new Map<string, Origin>();
  private secretPattern?: { readonly size: number; readonly pattern: RegExp };

  constructor(private readonly sensitiveValues: ReadonlySet<string>) {}

  static build(result: RunResult): OriginIndex {
    const index = new OriginIndex(result.world.sensitiveValues);
    for (const [key, value] of Object.entries(result.config).sort(([a], [b]) => compare(a, b))) {
      // How the harness hands over a `secure:` value it cannot decrypt offline.
      if (typeof value === "string" && value === `[secure config ${key}]`) {
        index.add(value, { source: `stack config ${key}`, detail: "", secret: true });
      }
    }
    for (const [name, value] of Object.entries(OFFLINE_ENV).sort(([a], [b]) => compare(a, b))) {
      index.add(value, { source: `environment variable ${name}`, detail: "", secret: value.includes(MOCK_SECRET_MARKER) });
      if (MOCK_ID_SHAPE.test(value)) index.ids.set(value, { source: `environment variable ${name}`, detail: "", secret: false });
    }
    // In the order the program asked: the first producer of a value is its origin, later
    // ones only pass it on.
    const events: (RegisteredResource | Invocation)[] = [...result.resources, ...result.invokes].sort((a, b) => a.seq - b.seq);
    for (const event of events) {
      if ("urn" in event) index.addResource(result, event);
      else index.addInvoke(result, event);
    }
    return index;
  }

  private addProduced(produced: unknown, inputs: unknown, source: string, kind: string): void {
    const echoed = new Set(leaves(reveal(inputs)).map((l) => l.value));
    for (const leaf of leaves(normalise(produced))) {
      if (echoed.has(leaf.value)) continue;
      if (ID_PATH.test(leaf.path) && MOCK_ID_SHAPE.test(leaf.value) && !this.ids.has(leaf.value)) {
        this.ids.set(leaf.value, { source, detail: `${kind} ${leaf.path}`, secret: false });
      }
      this.add(leaf.value, { source, detail: `${kind} ${leaf.path}`, secret: leaf.secret || this.isSecretMatter(leaf.value) });
    }
  }

  private addResource(result: RunResult, resource: RegisteredResource): void {
    if (!resource.custom) return;
    try {
      const { id, state } = result.world.newResource({
        type: resource.type,
        name: resource.name,
        inputs: reveal(resource.inputs) as Record<string, unknown>,
        provider: resource.provider,
        id: undefined,
        custom: true,
      });
      if (typeof id === "string" && MOCK_ID_SHAPE.test(id) && !this.ids.has(id)) this.ids.set(id, { source: subject(resource), detail: "id", secret: false });
      this.addProduced(state, resource.inputs, subject(resource), "output");
    } catch {
      // The mock refused (a missing stack, a missing item): the program got nothing from it.
    }
  }

  private addInvoke(result: RunResult, invoke: Invocation): void {
    try {
      const produced = result.world.call({ token: invoke.token, inputs: reveal(invoke.inputs) as Record<string, unknown>, provider: invoke.provider });
      this.addProduced(produced, invoke.inputs, invokeSource(invoke), "result");
    } catch {
      // As above.
    }
  }

  /**
   * Records `value` as coming from `origin`, with its base64 form and, when it is base64
   * of text, its decoded form: Talos and Kubernetes carry PEMs both ways.
   */
  add(value: string, origin: Origin): void {
    this.addOne(value, origin);
    if (value.length < MIN_ORIGIN_LENGTH) return;
    this.addOne(Buffer.from(value, "utf8").toString("base64"), { ...origin, detail: `${origin.detail} (base64)`.trim() });
    const decoded = decodeBase64Text(value);
    if (decoded !== undefined) this.addOne(decoded, { ...origin, detail: `${origin.detail} (base64-decoded)`.trim() });
  }

  private addOne(value: string, origin: Origin): void {
    if (value.length < MIN_ORIGIN_LENGTH || this.exact.has(value)) return;
    this.exact.set(value, origin);
    if (value.length >= MIN_EMBEDDED_LENGTH) this.embedded.push([value, origin]);
  }

  /**
   * `text` with every identifier the mocks made up replaced by `<mock id: SOURCE DETAIL>`,
   * so a render never shows an id that looks real but names nothing.
   */
  withMockIds(text: string): string {
    let out = text;
    for (const [id, origin] of this.ids) {
      if (out.includes(id)) out = out.split(id).join(`<mock id: ${origin.detail ? `${origin.source} ${origin.detail}` : origin.source}>`);
    }
    return out;
  }

  findExact(value: string): Origin | undefined {
    return this.exact.get(value);
  }

  /** The origin of exactly this value, or of the known values embedded in it (sorted, unique). */
  find(value: string): Origin[] {
    const exact = this.exact.get(value);
    if (exact) return [exact];
    const found = new Map<string, Origin>();
    for (const [known, origin] of this.embedded) {
      if (value.includes(known)) found.set(`${origin.source} ${origin.detail}`, origin);
    }
    return [...found.entries()].sort(([a], [b]) => compare(a, b)).map(([, o]) => o);
  }

  /** Contains a mock secret: the marker or a value the mocks recorded as sensitive (e.g. base64-encoded). */
  isSecretMatter(text: string): boolean {
    // The mocks keep adding sensitive values as they run; rebuild when the set grew.
    if (this.secretPattern?.size !== this.sensitiveValues.size) {
      const escaped = [...this.sensitiveValues].map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
      this.secretPattern = { size: this.sensitiveValues.size, pattern: new RegExp([MOCK_SECRET_MARKER, ...escaped].join("|")) };
    }
    return this.secretPattern.pattern.test(text);
  }

  /** Secret by what it is or where it came from; what a placeholder must replace. */
  isSecret(value: string): boolean {
    return this.isSecretMatter(value) || this.find(value).some((o) => o.secret);
  }
}
