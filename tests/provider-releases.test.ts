/**
 * Every Pulumi provider package's plugin version is an upstream release
 * (tools/ci/provider-releases.yaml, verified against the providers' GitHub tags): the engine
 * downloads exactly that plugin, so a version with no release fails every real run. Offline:
 * reads package.json files and the data file only.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { PROJECT_ROOT } from "../harness";
import { TALOS_PROVIDER_VERSION } from "../sdks/talos/utilities";

interface Releases {
  providers: Record<string, { repository: string; releases: { tag: string; source: string }[] }>;
  unverified?: Record<string, { repository: string; version: string }>;
}

const data = parse(fs.readFileSync(path.join(PROJECT_ROOT, "tools/ci/provider-releases.yaml"), "utf8")) as Releases;
const manifest = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8")) as { dependencies: Record<string, string> };

/** Dependencies that are Pulumi resource providers, with the plugin version the engine asks for. */
function pluginVersions(): [string, string][] {
  const found: [string, string][] = [];
  for (const name of Object.keys(manifest.dependencies)) {
    const pkg = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "node_modules", name, "package.json"), "utf8")) as {
      version: string;
      pulumi?: { resource?: boolean; version?: string };
    };
    // The SDK's getVersion(): `pulumi.version`, else the package version, without a leading "v".
    if (pkg.pulumi?.resource) found.push([name, (pkg.pulumi.version ?? pkg.version).replace(/^v/, "")]);
  }
  return [...found, ["talos", TALOS_PROVIDER_VERSION]];
}

describe("provider plugin versions", () => {
  it("finds the provider packages the program uses, and the Talos binding", () => {
    expect(pluginVersions().map(([name]) => name)).toEqual(
      expect.arrayContaining(["@pulumi/command", "@pulumi/kubernetes", "@pulumi/cloudflare", "@pulumi/tls", "@1password/pulumi-onepassword", "talos"]),
    );
  });

  it.each(pluginVersions())("%s %s is a verified upstream release tag (or named as not yet verified at exactly that version)", (name, version) => {
    const verified = (data.providers[name]?.releases ?? []).map((r) => r.tag);
    if (verified.includes(`v${version}`)) return;
    // Listed as unverified only at this very version: a bump must be verified again.
    expect([name, data.unverified?.[name]?.version]).toEqual([name, version]);
  });

  it("records a source for every verified tag", () => {
    for (const [name, entry] of Object.entries(data.providers)) {
      for (const release of entry.releases) expect([name, release.tag, release.source]).toEqual([name, expect.stringMatching(/^v\d+\.\d+\.\d+$/), expect.stringContaining(entry.repository)]);
    }
  });
});
