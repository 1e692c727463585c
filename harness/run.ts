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
  OP_CONNECT_HOST: "http://opconnect.invalid",
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
  /** What failed the run, as `pulumi up` would report it; undefined when it succeeded. */
  readonly error?: Error;
  readonly world: MockWorld;
  readonly config: Record<string, unknown>;
}

interface Req {
  [accessor: string]: () => unknown;
}

function recordMonitor(monitor: Record<string, unknown>, resources: RegisteredResource[], invokes: Invocation[], next: () => number) {
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
    invokes.push({
      seq: next(),
      token: req.getTok() as string,
      inputs: normalise(deserializeProperties(req.getArgs() as never)) as Record<string, unknown>,
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

let running = false;
let currentFailures: Error[] | undefined;
const reported = new WeakSet<object>();

// A failed program also rejects promises the runtime holds (the Stack's outputs, pending
// resource outputs); those surface after the run as unhandled rejections of errors the
// run already reported. Record each once, in the run it belongs to.
process.on("unhandledRejection", (reason: unknown) => {
  const error = reason instanceof Error ? reason : new Error(String(reason));
  if (reported.has(error)) return;
  reported.add(error);
  if (currentFailures) currentFailures.push(error);
  else console.error(`unhandled rejection after a mock run: ${error.message}`);
});

export async function runProgram(options: RunOptions): Promise<RunResult> {
  if (running) throw new Error("runProgram: the mock runtime is process-global; await one run before starting the next");
  running = true;
  const projectRoot = options.projectRoot ?? PROJECT_ROOT;
  const project = readProjectConfig(projectRoot, options.stack);
  const config = applyOverrides(project.values, options.config ?? {});
  const world = new MockWorld(options);
  const resources: RegisteredResource[] = [];
  const invokes: Invocation[] = [];
  const warnings: string[] = [];
  let seq = 0;

  await pulumi.runtime.setMocks(world, project.project, options.stack, options.preview ?? false, ORGANIZATION);
  const readOutputs = recordMonitor(pulumi.runtime.getMonitor() as unknown as Record<string, unknown>, resources, invokes, () => ++seq);
  pulumi.runtime.setAllConfig(toRuntimeConfig(config), project.secretKeys);

  const env: Record<string, string | undefined> = options.replaceEnv
    ? { ...Object.fromEntries(Object.keys(OFFLINE_ENV).concat(["OP_SERVICE_ACCOUNT_TOKEN"]).map((k) => [k, undefined])), ...options.env }
    : { OP_SERVICE_ACCOUNT_TOKEN: undefined, ...OFFLINE_ENV, ...options.env };

  const log = pulumi.log as { warn: (msg: string, ...rest: unknown[]) => Promise<void> };
  const originalWarn = log.warn;
  log.warn = (msg: string) => {
    warnings.push(msg);
    return Promise.resolve();
  };
  const failures: Error[] = [];
  currentFailures = failures;
  try {
    await withEnv(env, async () => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const program = require(path.join(projectRoot, "index")) as () => Promise<Record<string, unknown> | void>;
      try {
        await pulumi.runtime.runInPulumiStack(program);
      } catch (err) {
        const error = err instanceof Error ? err : new Error(String(err));
        reported.add(error);
        failures.push(error);
      }
      await (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
    });
  } finally {
    log.warn = originalWarn;
    currentFailures = undefined;
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
    error: failures[0],
    world,
    config,
  };
}
