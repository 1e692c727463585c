/**
 * tests/runner/resolver.js: under jest, @pulumi/pulumi's closure-serialization dependencies
 * (the TypeScript compiler, npm's Arborist) resolve to a stand-in that fails loudly when
 * used; every other request, the project's own `typescript` included, resolves as usual.
 */
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const resolver = require("./runner/resolver.js") as (request: string, options: { basedir: string; defaultResolver: (r: string, o: unknown) => string }) => string;
const STUB = path.join(__dirname, "runner", "closure-dependency.js");
const PULUMI_DIR = path.dirname(require.resolve("@pulumi/pulumi/package.json"));

describe("the jest resolver", () => {
  const defaultResolver = (request: string) => `default:${request}`;

  it("diverts only Pulumi's own requests for the two closure-only modules", () => {
    for (const basedir of [PULUMI_DIR, path.join(PULUMI_DIR, "runtime", "closure")]) {
      expect(resolver("typescript", { basedir, defaultResolver })).toBe(STUB);
      expect(resolver("@npmcli/arborist", { basedir, defaultResolver })).toBe(STUB);
      expect(resolver("./rpc", { basedir, defaultResolver })).toBe("default:./rpc");
    }
    expect(resolver("typescript", { basedir: __dirname, defaultResolver })).toBe("default:typescript");
    expect(resolver("typescript", { basedir: path.join(PULUMI_DIR, "..", "kubernetes"), defaultResolver })).toBe("default:typescript");
  });

  it("gives the project its real TypeScript", () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const ts = require("typescript") as { version: string; createScanner: unknown };
    const pinned = (JSON.parse(fs.readFileSync(path.join(__dirname, "..", "package.json"), "utf8")) as { devDependencies: Record<string, string> }).devDependencies.typescript;
    expect(ts.version).toBe(pinned);
    expect(typeof ts.createScanner).toBe("function");
  });

  it("makes closure serialization fail with the reason, not silently", async () => {
    await expect(pulumi.runtime.serializeFunction(() => 1)).rejects.toThrow(/closure serialization is not available under jest/);
  });
});
