// Proves the hand-written Talos binding registers exactly what the generated
// @pulumiverse/talos v0.8.1 SDK would: tokens, provider version and download
// URL, required-arg checks, secret inputs, additionalSecretOutputs, and the
// invoke forms. Facts: pulumiverse/pulumi-talos tag v0.8.1 (sdk/nodejs/**,
// provider/cmd/pulumi-resource-talos/schema.json).
import * as pulumi from "@pulumi/pulumi";
import type { ReadResourceRequest, RegisterResourceRequest, ResourceInvokeRequest } from "@pulumi/pulumi/proto/resource_pb";
import * as talos from "../sdks/talos";
import { PINS } from "./helpers/pins";

const VERSION = PINS.talosProvider;
const DOWNLOAD_URL = "github://api.github.com/pulumiverse";
/** Key/value the mock monitor leaves on secret inputs (`rpc.specialSigKey` / `specialSecretSig`). */
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

const TOKENS = {
    secrets: "talos:machine/secrets:Secrets",
    configurationApply: "talos:machine/configurationApply:ConfigurationApply",
    bootstrap: "talos:machine/bootstrap:Bootstrap",
    kubeconfig: "talos:cluster/kubeconfig:Kubeconfig",
    schematic: "talos:imageFactory/schematic:Schematic",
    provider: "pulumi:providers:talos",
    machineGetConfiguration: "talos:machine/getConfiguration:getConfiguration",
    clientGetConfiguration: "talos:client/getConfiguration:getConfiguration",
    getHealth: "talos:cluster/getHealth:getHealth",
    getUrls: "talos:imageFactory/getUrls:getUrls",
} as const;

/** What the engine would see in a resource/invoke request besides the inputs. */
interface RequestRecord {
    kind: "register" | "read" | "invoke";
    type: string;
    name: string;
    version: string;
    pluginDownloadURL: string;
    additionalSecretOutputs: string[];
    provider: string;
}

type Callback<T> = (err: Error | null, resp?: T) => void;
interface RecordableMonitor {
    registerResource(req: RegisterResourceRequest, cb: Callback<unknown>): void;
    readResource(req: ReadResourceRequest, cb: Callback<unknown>): void;
    invoke(req: ResourceInvokeRequest, cb: Callback<unknown>): void;
}

const newResources: pulumi.runtime.MockResourceArgs[] = [];
const calls: pulumi.runtime.MockCallArgs[] = [];
const requests: RequestRecord[] = [];
/** Ordered trace of mock activity, for dependsOn ordering. */
const events: string[] = [];
/** Resource names whose registration the test holds open until released. */
const holds = new Map<string, Promise<void>>();

const clientConfiguration = { caCertificate: "Y2E=", clientCertificate: "Y3J0", clientKey: "a2V5" };
const machineSecrets: talos.types.input.machine.MachineSecrets = {
    certs: {
        etcd: { cert: "ZXRjZA==", key: "ZXRjZC1rZXk=" },
        k8s: { cert: "azhz", key: "azhzLWtleQ==" },
        k8sAggregator: { cert: "YWdn", key: "YWdnLWtleQ==" },
        k8sServiceaccount: { key: "c2Eta2V5" },
        os: { cert: "b3M=", key: "b3Mta2V5" },
    },
    cluster: { id: "cluster-id", secret: "cluster-secret" },
    secrets: { bootstrapToken: "abc.def", secretboxEncryptionSecret: "c2VjcmV0Ym94" },
    trustdinfo: { token: "trustd.token" },
};

/** Provider-computed outputs per resource type, returned by the mock. */
function computedState(type: string): Record<string, unknown> {
    switch (type) {
        case TOKENS.secrets:
            return { machineSecrets, clientConfiguration, talosVersion: "v1.13" };
        case TOKENS.configurationApply:
            return { machineConfiguration: "version: v1alpha1", machineConfigurationHash: "ab12", resolvedApplyMode: "auto" };
        case TOKENS.kubeconfig:
            return {
                kubeconfigRaw: "apiVersion: v1\nkind: Config\n",
                kubernetesClientConfiguration: { host: "https://10.25.11.10:6443", ...clientConfiguration },
            };
        default:
            return {};
    }
}

function callResult(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
    switch (args.token) {
        case TOKENS.machineGetConfiguration:
            return { ...args.inputs, id: "cfg", machineConfiguration: "version: v1alpha1" };
        case TOKENS.clientGetConfiguration:
            return { ...args.inputs, id: "talosconfig", talosConfig: "context: infra" };
        case TOKENS.getUrls:
            return { ...args.inputs, id: "urls", urls: { installer: `factory.talos.dev/installer/${String(args.inputs.schematicId)}:${String(args.inputs.talosVersion)}` } };
        default:
            return { ...args.inputs, id: "invoked" };
    }
}

/** Output internals missing from the public typings; lets an unknown value fail fast instead of hanging `apply`. */
interface OutputInternals {
    readonly isKnown: Promise<boolean>;
}

async function resolve<T>(output: pulumi.Output<T>): Promise<T> {
    if (!(await (output as unknown as OutputInternals).isKnown)) {
        throw new Error("output is unknown");
    }
    return new Promise((done) => output.apply((value) => done(value)));
}

function deferred(): { promise: Promise<void>; release: () => void } {
    let release: () => void = () => undefined;
    const promise = new Promise<void>((done) => (release = done));
    return { promise, release };
}

function registration(type: string, name: string): RequestRecord {
    const found = requests.find((r) => r.kind === "register" && r.type === type && r.name === name);
    if (!found) throw new Error(`no registration of ${type} ${name}`);
    return found;
}

function mockInputs(type: string, name: string): Record<string, unknown> {
    const found = newResources.find((r) => r.type === type && r.name === name);
    if (!found) throw new Error(`no mock resource ${type} ${name}`);
    return found.inputs as Record<string, unknown>;
}

/** The marker the mock monitor leaves on a value that was registered as a secret. */
function secretOf(value: unknown): Record<string, unknown> {
    return { [SIG_KEY]: SECRET_SIG, value };
}

beforeAll(async () => {
    await pulumi.runtime.setMocks(
        {
            newResource: async (args) => {
                newResources.push(args);
                const hold = holds.get(args.name);
                if (hold) await hold;
                events.push(`registered:${args.name}`);
                // Registrations carry importId "" rather than undefined.
                return { id: args.id || `${args.name}-id`, state: { ...args.inputs, ...computedState(args.type) } };
            },
            call: (args) => {
                calls.push(args);
                events.push(`called:${args.token}:${JSON.stringify(args.inputs.endpoints ?? null)}`);
                return callResult(args);
            },
        },
        "k8s-gitops",
        "test",
    );
    // The mock monitor drops resource options; record them from the raw requests.
    const monitor = pulumi.runtime.getMonitor() as unknown as RecordableMonitor;
    const register = monitor.registerResource.bind(monitor);
    const read = monitor.readResource.bind(monitor);
    const invoke = monitor.invoke.bind(monitor);
    monitor.registerResource = (req, cb) => {
        requests.push({
            kind: "register",
            type: req.getType(),
            name: req.getName(),
            version: req.getVersion(),
            pluginDownloadURL: req.getPlugindownloadurl(),
            additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
            provider: req.getProvider(),
        });
        register(req, cb);
    };
    monitor.readResource = (req, cb) => {
        requests.push({
            kind: "read",
            type: req.getType(),
            name: req.getName(),
            version: req.getVersion(),
            pluginDownloadURL: req.getPlugindownloadurl(),
            additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
            provider: req.getProvider(),
        });
        read(req, cb);
    };
    monitor.invoke = (req, cb) => {
        requests.push({
            kind: "invoke",
            type: req.getTok(),
            name: "",
            version: req.getVersion(),
            pluginDownloadURL: req.getPlugindownloadurl(),
            additionalSecretOutputs: [],
            provider: req.getProvider(),
        });
        invoke(req, cb);
    };
});

describe("talos SDK module shape", () => {
    test("pins the provider in one exported constant", () => {
        expect(talos.TALOS_PROVIDER_VERSION).toBe(VERSION);
    });

    test("classes carry the upstream type tokens", () => {
        expect(talos.machine.Secrets.__pulumiType).toBe(TOKENS.secrets);
        expect(talos.machine.ConfigurationApply.__pulumiType).toBe(TOKENS.configurationApply);
        expect(talos.machine.Bootstrap.__pulumiType).toBe(TOKENS.bootstrap);
        expect(talos.cluster.Kubeconfig.__pulumiType).toBe(TOKENS.kubeconfig);
        expect(talos.imagefactory.Schematic.__pulumiType).toBe(TOKENS.schematic);
        expect(talos.Provider.__pulumiType).toBe("talos");
    });

    test("resource modules and the provider package are registered for rehydration", () => {
        for (const [mod, token] of [
            ["machine/secrets", TOKENS.secrets],
            ["machine/configurationApply", TOKENS.configurationApply],
            ["machine/bootstrap", TOKENS.bootstrap],
            ["cluster/kubeconfig", TOKENS.kubeconfig],
            ["imageFactory/schematic", TOKENS.schematic],
        ]) {
            expect({ mod, registered: pulumi.runtime.getResourceModule("talos", mod, VERSION) !== undefined }).toEqual({
                mod,
                registered: true,
            });
            expect(token.split(":")[1]).toBe(mod);
        }
        expect(pulumi.runtime.getResourcePackage("talos", VERSION)).toBeDefined();
    });
});

describe("resources", () => {
    test("machine.Secrets: token, options, outputs, no additionalSecretOutputs", async () => {
        const secrets = new talos.machine.Secrets("secrets", { talosVersion: "v1.13" });
        expect(await resolve(secrets.talosVersion)).toBe("v1.13");
        // Output-only keys exist as Outputs and carry the provider's values.
        expect(pulumi.Output.isInstance(secrets.machineSecrets)).toBe(true);
        expect(await resolve(secrets.machineSecrets)).toEqual(machineSecrets);
        expect(await resolve(secrets.clientConfiguration)).toEqual(clientConfiguration);
        expect(registration(TOKENS.secrets, "secrets")).toMatchObject({
            version: VERSION,
            pluginDownloadURL: DOWNLOAD_URL,
            additionalSecretOutputs: [],
        });
        expect(mockInputs(TOKENS.secrets, "secrets")).toEqual({ talosVersion: "v1.13" });
        expect(talos.machine.Secrets.isInstance(secrets)).toBe(true);
        expect(talos.machine.Bootstrap.isInstance(secrets)).toBe(false);
    });

    test("machine.Secrets without args is valid (all optional)", async () => {
        const secrets = new talos.machine.Secrets("secrets-default");
        expect(await resolve(secrets.id)).toBe("secrets-default-id");
        expect(mockInputs(TOKENS.secrets, "secrets-default")).toEqual({});
    });

    test("machine.ConfigurationApply: secret inputs, outputs, additionalSecretOutputs", async () => {
        const apply = new talos.machine.ConfigurationApply("apply", {
            node: "10.25.11.11",
            clientConfiguration,
            clientConfigurationWo: clientConfiguration,
            machineConfigurationInput: "machine: {}",
            machineConfigurationInputWo: "machine: {type: controlplane}",
            configPatches: ["cluster: {}"],
            applyMode: "auto",
            onDestroy: { graceful: true, reboot: false, reset: false },
            timeouts: { create: "10m" },
        });
        expect(await resolve(apply.machineConfigurationHash)).toBe("ab12");
        expect(await resolve(apply.resolvedApplyMode)).toBe("auto");
        const inputs = mockInputs(TOKENS.configurationApply, "apply");
        expect(inputs.machineConfigurationInput).toEqual(secretOf("machine: {}"));
        expect(inputs.machineConfigurationInputWo).toEqual(secretOf("machine: {type: controlplane}"));
        expect(inputs.clientConfigurationWo).toEqual(secretOf(clientConfiguration));
        // Only the schema-secret inputs are wrapped.
        expect(inputs.node).toBe("10.25.11.11");
        expect(inputs.clientConfiguration).toEqual(clientConfiguration);
        expect(inputs.configPatches).toEqual(["cluster: {}"]);
        expect(inputs.onDestroy).toEqual({ graceful: true, reboot: false, reset: false });
        // The wrapped inputs come back as secret outputs too.
        expect(await pulumi.isSecret(apply.machineConfigurationInput)).toBe(true);
        expect(await pulumi.isSecret(apply.node)).toBe(false);
        expect(registration(TOKENS.configurationApply, "apply")).toMatchObject({
            version: VERSION,
            pluginDownloadURL: DOWNLOAD_URL,
            additionalSecretOutputs: ["clientConfigurationWo", "machineConfiguration", "machineConfigurationInput", "machineConfigurationInputWo"],
        });
    });

    test("machine.ConfigurationApply leaves absent secret inputs unset", async () => {
        const apply = new talos.machine.ConfigurationApply("apply-minimal", { node: "10.25.11.12" });
        await resolve(apply.id);
        expect(mockInputs(TOKENS.configurationApply, "apply-minimal")).toEqual({ node: "10.25.11.12" });
    });

    test("machine.Bootstrap: secret clientConfigurationWo, additionalSecretOutputs", async () => {
        const bootstrap = new talos.machine.Bootstrap("bootstrap", {
            node: "10.25.11.11",
            clientConfiguration,
            clientConfigurationWo: clientConfiguration,
            timeouts: { create: "10m" },
        });
        await resolve(bootstrap.id);
        const inputs = mockInputs(TOKENS.bootstrap, "bootstrap");
        expect(inputs.clientConfigurationWo).toEqual(secretOf(clientConfiguration));
        expect(inputs.clientConfiguration).toEqual(clientConfiguration);
        expect(registration(TOKENS.bootstrap, "bootstrap")).toMatchObject({
            version: VERSION,
            pluginDownloadURL: DOWNLOAD_URL,
            additionalSecretOutputs: ["clientConfigurationWo"],
        });
    });

    test("cluster.Kubeconfig: outputs, additionalSecretOutputs, Secrets output feeds it", async () => {
        const secrets = new talos.machine.Secrets("kc-secrets");
        const kubeconfig = new talos.cluster.Kubeconfig("kubeconfig", {
            node: "10.25.11.11",
            clientConfiguration: secrets.clientConfiguration,
            timeouts: { create: "10m" },
        });
        expect(await resolve(kubeconfig.kubeconfigRaw)).toContain("kind: Config");
        expect(await resolve(kubeconfig.kubernetesClientConfiguration)).toMatchObject({ host: "https://10.25.11.10:6443" });
        expect(mockInputs(TOKENS.kubeconfig, "kubeconfig").clientConfiguration).toEqual(clientConfiguration);
        expect(registration(TOKENS.kubeconfig, "kubeconfig")).toMatchObject({
            version: VERSION,
            pluginDownloadURL: DOWNLOAD_URL,
            additionalSecretOutputs: ["kubeconfigRaw"],
        });
    });

    test("imagefactory.Schematic: token, options, id is the schematic id", async () => {
        const schematic = new talos.imagefactory.Schematic("schematic", { schematic: "customization: {}\n" });
        expect(await resolve(schematic.id)).toBe("schematic-id");
        expect(await resolve(schematic.schematic)).toBe("customization: {}\n");
        expect(registration(TOKENS.schematic, "schematic")).toMatchObject({
            version: VERSION,
            pluginDownloadURL: DOWNLOAD_URL,
            additionalSecretOutputs: [],
        });
    });

    test("Provider: pulumi:providers:talos with imageFactoryUrl, used by resources and invokes", async () => {
        const provider = new talos.Provider("talos", { imageFactoryUrl: "https://factory.example" });
        expect(await resolve(provider.id)).toBe("talos-id");
        expect(mockInputs(TOKENS.provider, "talos")).toMatchObject({ imageFactoryUrl: "https://factory.example" });
        expect(registration(TOKENS.provider, "talos")).toMatchObject({
            version: VERSION,
            pluginDownloadURL: DOWNLOAD_URL,
            additionalSecretOutputs: [],
        });
        expect(talos.Provider.isInstance(provider)).toBe(true);

        // Caller options survive the defaults merge.
        const schematic = new talos.imagefactory.Schematic("with-provider", {}, { provider });
        await resolve(schematic.id);
        expect(registration(TOKENS.schematic, "with-provider").provider).toMatch(/pulumi:providers:talos::talos::talos-id$/);
        const before = requests.length;
        await talos.imagefactory.getUrls({ schematicId: "abc", talosVersion: "v0.0.0-any", platform: "metal" }, { provider });
        const invoked = requests.slice(before).find((r) => r.kind === "invoke" && r.type === TOKENS.getUrls);
        expect(invoked?.provider).toMatch(/pulumi:providers:talos::talos::talos-id$/);
        expect(invoked).toMatchObject({ version: VERSION, pluginDownloadURL: DOWNLOAD_URL });
    });

    test("required arguments throw like the generated SDK", () => {
        const noArgs = {} as unknown;
        expect(() => new talos.machine.ConfigurationApply("bad-apply", noArgs as talos.machine.ConfigurationApplyArgs)).toThrow(
            "Missing required property 'node'",
        );
        expect(() => new talos.machine.Bootstrap("bad-bootstrap", noArgs as talos.machine.BootstrapArgs)).toThrow(
            "Missing required property 'node'",
        );
        expect(() => new talos.cluster.Kubeconfig("bad-kc", noArgs as talos.cluster.KubeconfigArgs)).toThrow(
            "Missing required property 'clientConfiguration'",
        );
        expect(
            () => new talos.cluster.Kubeconfig("bad-kc-node", { clientConfiguration } as unknown as talos.cluster.KubeconfigArgs),
        ).toThrow("Missing required property 'node'");
    });

    test("a URN skips the required-argument check (rehydration path)", async () => {
        const original = new talos.cluster.Kubeconfig("rehydrated", { node: "10.25.11.13", clientConfiguration });
        const urn = await resolve(original.urn);
        const missing = undefined as unknown as talos.cluster.KubeconfigArgs;
        const again = new talos.cluster.Kubeconfig("rehydrated", missing, { urn });
        expect(await resolve(again.node)).toBe("10.25.11.13");
        // And the registered module rebuilds the same class from a URN alone.
        const rebuilt = pulumi.runtime.getResourceModule("talos", "cluster/kubeconfig", VERSION)?.construct("rehydrated", TOKENS.kubeconfig, urn);
        expect(talos.cluster.Kubeconfig.isInstance(rebuilt)).toBe(true);
    });

    test("static get reads every resource type with the version options", async () => {
        const lookups: [string, pulumi.CustomResource][] = [
            [TOKENS.secrets, talos.machine.Secrets.get("got-secrets", "sid")],
            [TOKENS.configurationApply, talos.machine.ConfigurationApply.get("got-apply", "aid", { node: "10.25.11.11" })],
            [TOKENS.bootstrap, talos.machine.Bootstrap.get("got-bootstrap", "bid")],
            [TOKENS.kubeconfig, talos.cluster.Kubeconfig.get("got-kc", "kid")],
            [TOKENS.schematic, talos.imagefactory.Schematic.get("got-schematic", "376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba")],
        ];
        for (const [type, resource] of lookups) {
            await resolve(resource.id);
            const read = requests.find((r) => r.kind === "read" && r.type === type && r.name.startsWith("got-"));
            expect({ type, version: read?.version, url: read?.pluginDownloadURL }).toEqual({ type, version: VERSION, url: DOWNLOAD_URL });
        }
        const read = newResources.find((r) => r.name === "got-apply");
        expect(read).toMatchObject({ id: "aid", custom: true, inputs: { node: "10.25.11.11" } });
    });
});

describe("functions", () => {
    function lastInvoke(token: string): RequestRecord {
        const found = [...requests].reverse().find((r) => r.kind === "invoke" && r.type === token);
        if (!found) throw new Error(`no invoke of ${token}`);
        return found;
    }
    function lastCall(token: string): Record<string, unknown> {
        const found = [...calls].reverse().find((c) => c.token === token);
        if (!found) throw new Error(`no call of ${token}`);
        return found.inputs as Record<string, unknown>;
    }

    test("machine.getConfiguration (both forms)", async () => {
        const args = {
            clusterName: "infra",
            clusterEndpoint: "https://10.25.11.10:6443",
            machineType: "controlplane",
            machineSecrets,
            configPatches: ["machine: {}"],
            kubernetesVersion: "1.34.1",
            talosVersion: "v1.13",
            docs: false,
            examples: false,
        };
        const plain = await talos.machine.getConfiguration(args);
        expect(plain.machineConfiguration).toBe("version: v1alpha1");
        expect(lastCall(TOKENS.machineGetConfiguration)).toEqual(args);
        expect(lastInvoke(TOKENS.machineGetConfiguration)).toMatchObject({ version: VERSION, pluginDownloadURL: DOWNLOAD_URL });

        const out = talos.machine.getConfigurationOutput({ ...args, machineSecrets: pulumi.secret(machineSecrets) });
        expect((await resolve(out)).machineConfiguration).toBe("version: v1alpha1");
        // invokeOutput keeps secretness: a secret input makes the whole result secret.
        expect(await pulumi.isSecret(out)).toBe(true);
        // Secrets are unwrapped on the wire to the provider.
        expect(lastCall(TOKENS.machineGetConfiguration).machineSecrets).toEqual(machineSecrets);
        expect(lastInvoke(TOKENS.machineGetConfiguration)).toMatchObject({ version: VERSION, pluginDownloadURL: DOWNLOAD_URL });
    });

    test("client.getConfiguration (both forms)", async () => {
        const args = { clusterName: "infra", clientConfiguration, endpoints: ["10.25.11.11"], nodes: ["10.25.11.11", "10.25.11.12"] };
        expect((await talos.client.getConfiguration(args)).talosConfig).toBe("context: infra");
        expect(lastCall(TOKENS.clientGetConfiguration)).toEqual(args);
        expect(lastInvoke(TOKENS.clientGetConfiguration)).toMatchObject({ version: VERSION, pluginDownloadURL: DOWNLOAD_URL });

        const out = talos.client.getConfigurationOutput(args);
        expect((await resolve(out)).talosConfig).toBe("context: infra");
        expect(lastInvoke(TOKENS.clientGetConfiguration)).toMatchObject({ version: VERSION, pluginDownloadURL: DOWNLOAD_URL });
    });

    test("cluster.getHealth (both forms)", async () => {
        const args = {
            clientConfiguration,
            controlPlaneNodes: ["10.25.11.11", "10.25.11.12", "10.25.11.13"],
            endpoints: ["10.25.11.11"],
            workerNodes: [],
            skipKubernetesChecks: true,
            timeouts: { read: "10m" },
        };
        expect((await talos.cluster.getHealth(args)).id).toBe("invoked");
        expect(lastCall(TOKENS.getHealth)).toEqual(args);
        expect(lastInvoke(TOKENS.getHealth)).toMatchObject({ version: VERSION, pluginDownloadURL: DOWNLOAD_URL });

        expect((await resolve(talos.cluster.getHealthOutput(args))).controlPlaneNodes).toEqual(args.controlPlaneNodes);
        expect(lastInvoke(TOKENS.getHealth)).toMatchObject({ version: VERSION, pluginDownloadURL: DOWNLOAD_URL });
    });

    test("imagefactory.getUrls (both forms)", async () => {
        const args = { schematicId: "abc", talosVersion: "v0.0.0-any", architecture: "amd64", platform: "metal" };
        expect((await talos.imagefactory.getUrls(args)).urls.installer).toBe("factory.talos.dev/installer/abc:v0.0.0-any");
        expect(lastCall(TOKENS.getUrls)).toEqual(args);
        expect(lastInvoke(TOKENS.getUrls)).toMatchObject({ version: VERSION, pluginDownloadURL: DOWNLOAD_URL });

        const schematic = new talos.imagefactory.Schematic("urls-schematic");
        const out = talos.imagefactory.getUrlsOutput({ schematicId: schematic.id, talosVersion: "v0.0.0-any", platform: "metal" });
        expect((await resolve(out)).urls.installer).toContain("installer");
        expect(lastCall(TOKENS.getUrls).schematicId).toBe("urls-schematic-id");
        expect(lastInvoke(TOKENS.getUrls)).toMatchObject({ version: VERSION, pluginDownloadURL: DOWNLOAD_URL });
    });

    test("Output form honours dependsOn: the invoke waits for the dependency", async () => {
        const gate = deferred();
        holds.set("gated-bootstrap", gate.promise);
        const bootstrap = new talos.machine.Bootstrap("gated-bootstrap", { node: "10.25.11.11", clientConfiguration });
        const args = { clientConfiguration, controlPlaneNodes: ["10.25.11.11"], endpoints: ["gated"] };
        const gated = talos.cluster.getHealthOutput(args, { dependsOn: [bootstrap] });

        // A control invoke without dependsOn completes while the bootstrap is still held...
        await resolve(talos.cluster.getHealthOutput({ ...args, endpoints: ["control"] }));
        const gatedCall = `called:${TOKENS.getHealth}:${JSON.stringify(["gated"])}`;
        expect(events).not.toContain(gatedCall);

        // ...and the gated one runs only after the bootstrap registered.
        gate.release();
        await resolve(gated);
        expect(events.indexOf("registered:gated-bootstrap")).toBeGreaterThanOrEqual(0);
        expect(events.indexOf(gatedCall)).toBeGreaterThan(events.indexOf("registered:gated-bootstrap"));
    });
});

/** Never run: tsc fails here if an upstream-required argument turns optional. */
export function requiredArgumentsAreTyped(): void {
    // @ts-expect-error node is required
    new talos.machine.ConfigurationApply("x", {});
    // @ts-expect-error node is required
    new talos.machine.Bootstrap("x", { clientConfiguration });
    // @ts-expect-error node is required
    new talos.cluster.Kubeconfig("x", { clientConfiguration });
    // @ts-expect-error clientConfiguration is required
    new talos.cluster.Kubeconfig("x", { node: "n" });
    // @ts-expect-error machineSecrets is required
    talos.machine.getConfigurationOutput({ clusterName: "c", clusterEndpoint: "https://e:6443", machineType: "worker" });
    // @ts-expect-error clusterName is required
    talos.client.getConfigurationOutput({ clientConfiguration });
    // @ts-expect-error endpoints is required
    talos.cluster.getHealthOutput({ clientConfiguration, controlPlaneNodes: [] });
    // @ts-expect-error talosVersion is required
    talos.imagefactory.getUrlsOutput({ schematicId: "s" });
}

/** Never run: the usual wiring between these types must typecheck as it does upstream. */
export function outputsFeedInputs(): void {
    const secrets = new talos.machine.Secrets("s");
    const config = talos.machine.getConfigurationOutput({
        clusterName: "infra",
        clusterEndpoint: "https://10.25.11.10:6443",
        machineType: "controlplane",
        machineSecrets: secrets.machineSecrets,
    });
    const apply = new talos.machine.ConfigurationApply("a", {
        node: "10.25.11.11",
        clientConfiguration: secrets.clientConfiguration,
        machineConfigurationInput: config.machineConfiguration,
    });
    const bootstrap = new talos.machine.Bootstrap("b", { node: "10.25.11.11", clientConfiguration: secrets.clientConfiguration }, { dependsOn: [apply] });
    talos.cluster.getHealthOutput(
        { clientConfiguration: secrets.clientConfiguration, controlPlaneNodes: ["10.25.11.11"], endpoints: ["10.25.11.11"] },
        { dependsOn: [bootstrap] },
    );
    talos.client.getConfigurationOutput({ clusterName: "infra", clientConfiguration: secrets.clientConfiguration });
    const schematic = new talos.imagefactory.Schematic("sc");
    const urls: pulumi.Output<talos.types.output.imageFactory.GetUrlsUrls> = talos.imagefactory.getUrlsOutput({
        schematicId: schematic.id,
        talosVersion: "v0.0.0-any",
        platform: "metal",
    }).urls;
    void urls;
}
