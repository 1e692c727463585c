/**
 * Runs the real program (index.ts) under Pulumi's mock runtime for one stack's config and
 * records everything it asks of the engine: resources with inputs, parents, providers,
 * dependencies and options; invokes; stack outputs with their secrecy; warnings.
 * Used by the tests, the offline render and the benchmark alike.
 */
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { deserializeProperties } from "@pulumi/pulumi/runtime/rpc";
import { applyOverrides, readProjectConfig, toRuntimeConfig } from "./project-config";
import { MockWorld, MockWorldOptions } from "./mocks";
import { MockSecret, normalise } from "./values";

export const PROJECT_ROOT = path.resolve(__dirname, "..");
export const ORGANIZATION = "organization";

/** Credentials the offline run pretends to have; only ever handed to mocks. */
export const OFFLINE_ENV: Readonly<Record<string, string>> = {
  OP_CONNECT_HOST: "https://opconnect.invalid",
  OP_CONNECT_TOKEN: "MOCK-SECRET-op-connect-token-env",
  CLOUDFLARE_API_TOKEN: "MOCK-SECRET-cloudflare-api-token-env",
  CLOUDFLARE_ACCOUNT_ID: "0123456789abcdef0123456789abcdef",
};

export interface RunOptions extends MockWorldOptions {
  readonly stack: string;
  /** `k8s-gitops:key` replaces a value, `k8s-gitops:key.path[0].leaf` one nested value; undefined removes. */
  readonly config?: Record<string, unknown>;
  /** Environment for the run. Defaults to OFFLINE_ENV; a key set to undefined is removed. */
  readonly env?: Record<string, string | undefined>;
  /** Replace OFFLINE_ENV instead of merging over it. */
  readonly replaceEnv?: boolean;
  readonly preview?: boolean;
  /**
   * A first `pulumi preview` of the stack: a dry run in which every output of a resource
   * created in the run is unknown and applies on them do not run (implies `preview`).
   */
  readonly firstPreview?: boolean;
  readonly projectRoot?: string;
}

export interface RegisteredResource {
  readonly seq: number;
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  readonly id?: string;
  readonly custom: boolean;
  readonly inputs: Record<string, unknown>;
  readonly parent?: string;
  /** Provider reference `urn::id`, when one was given. */
  readonly provider?: string;
  /** Every direct dependency (explicit dependsOn and property dependencies), as URNs. */
  readonly dependencies: string[];
  /** Direct dependencies that no input accounts for: the explicit dependsOn. */
  readonly dependsOn: string[];
  readonly propertyDependencies: Record<string, string[]>;
  readonly options: {
    readonly protect: boolean;
    readonly ignoreChanges: string[];
    readonly retainOnDelete: boolean;
    readonly deleteBeforeReplace: boolean;
    readonly replaceOnChanges: string[];
    readonly additionalSecretOutputs: string[];
    readonly version: string;
    readonly pluginDownloadURL: string;
    readonly customTimeouts?: { create: string; update: string; delete: string };
    /** `import`: the id of an existing resource to adopt instead of creating it. */
    readonly importId?: string;
    /** Aliases as the engine receives them: a full URN, or the name of an alias spec. */
    readonly aliases: string[];
  };
}

export interface Invocation {
  readonly seq: number;
  readonly token: string;
  readonly inputs: Record<string, unknown>;
  readonly provider?: string;
  readonly version: string;
  readonly pluginDownloadURL: string;
}

export interface StackOutput {
  readonly value: unknown;
  readonly secret: boolean;
}

export interface RunResult {
  readonly stack: string;
  readonly resources: RegisteredResource[];
  readonly invokes: Invocation[];
  readonly outputs: Record<string, StackOutput>;
  readonly warnings: string[];
  /** What the program logged as info (e.g. the day-2 preflight verdict). */
  readonly infos: string[];
  /** What failed the run, as `pulumi up` would report it; undefined when it succeeded. */
  readonly error?: Error;
  readonly world: MockWorld;
  readonly config: Record<string, unknown>;
}

interface Req {
  [accessor: string]: () => unknown;
}

function recordMonitor(
  monitor: Record<string, unknown>,
  resources: RegisteredResource[],
  invokes: Invocation[],
  next: () => number,
  invokeArgs: (plain: unknown) => unknown,
) {
  const registerResource = (monitor.registerResource as (req: Req, cb: (err: unknown, resp?: Req) => void) => void).bind(monitor);
  monitor.registerResource = (req: Req, callback: (err: unknown, resp?: Req) => void) => {
    const seq = next();
    registerResource(req, (err, resp) => {
      if (!err && resp) {
        const propertyDependencies: Record<string, string[]> = {};
        const deps = req.getPropertydependenciesMap() as { forEach(cb: (v: Req, k: string) => void): void };
        deps.forEach((v, k) => (propertyDependencies[k] = (v.getUrnsList() as string[]).slice().sort()));
        const dependencies = [...new Set(req.getDependenciesList() as string[])].sort();
        const fromProperties = new Set(Object.values(propertyDependencies).flat());
        const timeouts = req.getCustomtimeouts() as Req | undefined;
        resources.push({
          seq,
          type: req.getType() as string,
          name: req.getName() as string,
          urn: resp.getUrn() as string,
          id: (resp.getId() as string) || undefined,
          custom: req.getCustom() as boolean,
          inputs: normalise(deserializeProperties(req.getObject() as never)) as Record<string, unknown>,
          parent: (req.getParent() as string) || undefined,
          provider: (req.getProvider() as string) || undefined,
          dependencies,
          dependsOn: dependencies.filter((d) => !fromProperties.has(d)),
          propertyDependencies,
          options: {
            protect: req.getProtect() === true,
            ignoreChanges: req.getIgnorechangesList() as string[],
            retainOnDelete: req.getRetainondelete() === true,
            deleteBeforeReplace: req.getDeletebeforereplace() as boolean,
            replaceOnChanges: req.getReplaceonchangesList() as string[],
            additionalSecretOutputs: req.getAdditionalsecretoutputsList() as string[],
            version: req.getVersion() as string,
            pluginDownloadURL: req.getPlugindownloadurl() as string,
            importId: (req.getImportid() as string) || undefined,
            aliases: [
              ...((req.getAliasurnsList?.() as string[] | undefined) ?? []),
              ...((req.getAliasesList?.() as Req[] | undefined) ?? []).map(
                (a) => (a.getUrn() as string) || ((a.getSpec() as Req | undefined)?.getName() as string) || "",
              ),
            ],
            customTimeouts: timeouts
              ? { create: timeouts.getCreate() as string, update: timeouts.getUpdate() as string, delete: timeouts.getDelete() as string }
              : undefined,
          },
        });
      }
      callback(err, resp);
    });
  };
  const invoke = (monitor.invoke as (req: Req, cb: (err: unknown, resp?: unknown) => void) => void).bind(monitor);
  monitor.invoke = (req: Req, callback: (err: unknown, resp?: unknown) => void) => {
    const plain = (req.getArgs() as { toJavaScript(): unknown }).toJavaScript();
    invokes.push({
      seq: next(),
      token: req.getTok() as string,
      inputs: normalise(invokeArgs(plain)) as Record<string, unknown>,
      provider: (req.getProvider() as string) || undefined,
      version: req.getVersion() as string,
      pluginDownloadURL: req.getPlugindownloadurl() as string,
    });
    invoke(req, callback);
  };
  const registerOutputs = (monitor.registerResourceOutputs as (req: Req, cb: (err: unknown) => void) => void).bind(monitor);
  let stackOutputs: Record<string, unknown> | undefined;
  monitor.registerResourceOutputs = (req: Req, callback: (err: unknown) => void) => {
    if ((req.getUrn() as string).includes("::pulumi:pulumi:Stack::")) {
      stackOutputs = normalise(deserializeProperties(req.getOutputs() as never)) as Record<string, unknown>;
    }
    registerOutputs(req, callback);
  };
  return () => stackOutputs ?? {};
}

function withEnv<T>(env: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
  const saved = { ...process.env };
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  return fn().finally(() => {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  });
}

interface RuntimeInternals {
  waitForRPCs(): Promise<void>;
}

/** One turn of the event loop: lets pending callbacks and rejection events run. Not a timer. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Waits, as the language host does before exit, until the program has no work left: no
 * RPC in flight and no runtime promise pending. Applies that run late and fail report
 * through unhandledRejection during these turns. Once the run has failed, work chained
 * on the failed value never finishes, so waiting stops after a few more turns.
 */
async function settle(failed: Promise<void>, hasFailed: () => boolean): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const state = require("@pulumi/pulumi/runtime/state") as { getStore(): { leakCandidates: Set<Promise<unknown>> } };
  const runtime = pulumi.runtime as unknown as RuntimeInternals;
  for (let turn = 0; turn < 10_000; turn++) {
    if (hasFailed()) {
      for (let drain = 0; drain < 50; drain++) await nextTurn();
      return;
    }
    await Promise.race([runtime.waitForRPCs(), failed]);
    const pending = [...state.getStore().leakCandidates];
    await Promise.race([Promise.allSettled(pending), failed]);
    await nextTurn();
    if (pending.length === 0 && state.getStore().leakCandidates.size === 0) return;
  }
  throw new Error("the program did not settle: promises stay pending (a dependency cycle?)");
}

/**
 * The SDK strips secret markers from invoke arguments before they reach the monitor
 * (invokes are not stored in state). To show what the program handed over, secrets
 * included, remember each argument object as it was before stripping, keyed by its
 * stripped form, and pair them up again when the request arrives.
 */
function recordInvokeSecrets(): { take(plain: unknown): unknown; restore(): void } {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const rpc = require("@pulumi/pulumi/runtime/rpc") as { unwrapSecretValues(v: unknown): [unknown, boolean] };
  const original = rpc.unwrapSecretValues;
  const pending = new Map<string, unknown[]>();
  rpc.unwrapSecretValues = (value: unknown) => {
    const result = original(value);
    const key = canonical(result[0]);
    pending.set(key, [...(pending.get(key) ?? []), value]);
    return result;
  };
  return {
    take(plain: unknown) {
      const queue = pending.get(canonical(plain));
      return queue && queue.length > 0 ? queue.shift() : plain;
    },
    restore() {
      rpc.unwrapSecretValues = original;
    },
  };
}

function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}

/**
 * Pulumi records a full call stack (`new Error().stack`, unlimited depth) for every resource
 * and every internal promise. Under jest each of those stacks is rendered through the
 * worker's source-map formatter, which made stack rendering a large share of every mock
 * run, for positions the harness never records. For the run, this realm formats stacks
 * plainly (V8's own `at fn (file:line:col)` frames, the form Pulumi's `Resource.callsites`
 * parses); an error's stack read after the run is rendered by the formatter in place then.
 * The stack Pulumi's debuggablePromise records on every promise is read only for its leak
 * report at process exit, so it is left empty.
 */
function plainStackFrames(): () => void {
  const saved = Error.prepareStackTrace;
  Error.prepareStackTrace = (error: Error, frames: NodeJS.CallSite[]) =>
    frames[0]?.getFunctionName() === "debuggablePromise"
      ? ""
      : `${error.name}: ${error.message}${frames.map((frame) => `\n    at ${String(frame)}`).join("")}`;
  return () => {
    Error.prepareStackTrace = saved;
  };
}

let running = false;
/** The process whose rejection events reach us: under jest, the real one (tests/runner/environment.js). */
const hostProcess: NodeJS.Process = (globalThis as { __hostProcess?: NodeJS.Process }).__hostProcess ?? process;

export async function runProgram(options: RunOptions): Promise<RunResult> {
  if (running) throw new Error("runProgram: the mock runtime is process-global; await one run before starting the next");
  running = true;
  const projectRoot = options.projectRoot ?? PROJECT_ROOT;
  const project = readProjectConfig(projectRoot, options.stack);
  const config = applyOverrides(project.values, options.config ?? {});
  const pinned = (config["k8s-gitops:versions"] ?? {}) as { talos?: string; kubernetes?: string };
  const world = new MockWorld({
    runningDefault: pinned.talos && pinned.kubernetes ? { talos: pinned.talos, kubernetes: pinned.kubernetes } : undefined,
    ...options,
    unknownOutputs: options.unknownOutputs === true || options.firstPreview === true,
  });
  const resources: RegisteredResource[] = [];
  const invokes: Invocation[] = [];
  const warnings: string[] = [];
  let seq = 0;

  await pulumi.runtime.setMocks(world, project.project, options.stack, options.preview === true || options.firstPreview === true || options.unknownOutputs === true, ORGANIZATION);
  const invokeSecrets = recordInvokeSecrets();
  const readOutputs = recordMonitor(
    pulumi.runtime.getMonitor() as unknown as Record<string, unknown>,
    resources,
    invokes,
    () => ++seq,
    (plain) => invokeSecrets.take(plain),
  );
  pulumi.runtime.setAllConfig(toRuntimeConfig(config), project.secretKeys);

  const env: Record<string, string | undefined> = options.replaceEnv
    ? { ...Object.fromEntries(Object.keys(OFFLINE_ENV).concat(["OP_SERVICE_ACCOUNT_TOKEN"]).map((k) => [k, undefined])), ...options.env }
    : { OP_SERVICE_ACCOUNT_TOKEN: undefined, ...OFFLINE_ENV, ...options.env };

  const infos: string[] = [];
  const log = pulumi.log as { warn: (msg: string, ...rest: unknown[]) => Promise<void>; info: (msg: string, ...rest: unknown[]) => Promise<void> };
  const originalWarn = log.warn;
  const originalInfo = log.info;
  log.warn = (msg: string) => {
    warnings.push(msg);
    return Promise.resolve();
  };
  log.info = (msg: string) => {
    infos.push(msg);
    return Promise.resolve();
  };
  const failures: Error[] = [];
  let signalFailure: () => void = () => undefined;
  const failed = new Promise<void>((resolve) => (signalFailure = resolve));
  const record = (err: unknown) => {
    failures.push(err instanceof Error ? err : new Error(String(err)));
    signalFailure();
  };
  // A failure inside an apply surfaces as an unhandled rejection, as under `pulumi up`;
  // it becomes this run's error, and is marked handled so no one else reports it.
  const onRejection = (reason: unknown, promise: Promise<unknown>) => {
    record(reason);
    promise.catch(() => undefined);
  };
  hostProcess.on("unhandledRejection", onRejection);
  const restoreStackFrames = plainStackFrames();
  try {
    await withEnv(env, async () => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const program = require(path.join(projectRoot, "index")) as () => Promise<Record<string, unknown> | void>;
      // The program's own failure is caught inside the stack so the runtime holds no
      // rejected promise for it; `pulumi up` would report it the same way.
      const stack = pulumi.runtime.runInPulumiStack(async () => {
        try {
          return await program();
        } catch (err) {
          record(err);
          return undefined;
        }
      });
      // Outputs that hang on a failed value never resolve: stop at the first failure.
      await Promise.race([stack.catch(record), failed]);
      await settle(failed, () => failures.length > 0);
    });
  } finally {
    restoreStackFrames();
    log.warn = originalWarn;
    log.info = originalInfo;
    invokeSecrets.restore();
    hostProcess.off("unhandledRejection", onRejection);
    running = false;
  }

  const outputs = Object.fromEntries(
    Object.entries(readOutputs()).map(([k, v]) => [
      k,
      v instanceof MockSecret ? { value: v.value, secret: true } : { value: v, secret: false },
    ]),
  );
  return {
    stack: options.stack,
    resources: resources.sort((a, b) => a.seq - b.seq),
    invokes,
    outputs,
    warnings,
    infos,
    error: failures[0],
    world,
    config,
  };
}
