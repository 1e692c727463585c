/**
 * The Cloudflare edge on its own, under the mock runtime: the tunnel token and every API
 * token leave the component as secrets (upstream hands the tunnel token out in the clear),
 * and permission groups are picked by exact name, failing by name when missing.
 */
import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import { MockWorld } from "../harness/mocks";
import { CloudflareEdge } from "../components/cloudflare/edge";
import { permissionGroupId, pickPermissionGroup } from "../components/cloudflare/tokens";

/** The value of an Output, rejecting when the Output failed. Uses the SDK's own promise. */
function settled<T>(output: pulumi.Output<T>): Promise<T> {
  return (output as unknown as { promise(): Promise<T> }).promise();
}

let provider: cloudflare.Provider;
let edge: CloudflareEdge;

beforeAll(async () => {
  await pulumi.runtime.setMocks(new MockWorld(), "k8s-gitops", "test", false, "organization");
  provider = new cloudflare.Provider("cloudflare", { apiToken: "MOCK-SECRET-cf" });
  edge = new CloudflareEdge("edge", {
    provider,
    cluster: "infra",
    accountId: "0123456789abcdef0123456789abcdef",
    zone: "example.org",
    zoneId: "fedcba9876543210fedcba9876543210",
    tunnel: { service: "https://gateway.default.svc:443" },
    dnsTokenConsumers: ["cert-manager"],
  });
});

it("hands the tunnel token out as a secret, although Cloudflare returns it in the clear", async () => {
  expect(await pulumi.isSecret(edge.tunnelToken)).toBe(true);
  const tunnelId = await settled(edge.tunnelId);
  const issued = await cloudflare.getZeroTrustTunnelCloudflaredToken({ accountId: "0123456789abcdef0123456789abcdef", tunnelId }, { provider });
  expect(await settled(edge.tunnelToken)).toBe(issued.token);
});

it("hands each API token out as a secret", async () => {
  expect(Object.keys(edge.apiTokens)).toEqual(["cert-manager"]);
  expect(await pulumi.isSecret(edge.apiTokens["cert-manager"])).toBe(true);
  expect(await settled(edge.apiTokens["cert-manager"])).toBe("MOCK-SECRET-cert-manager-api-token-api-token");
});

it("uses a configured zone id as is", async () => {
  expect(await settled(edge.zoneId)).toBe("fedcba9876543210fedcba9876543210");
  expect(edge.tunnelName).toBe("kubernetes-infra");
});

it("finds a permission group by its exact name", async () => {
  const accountId = "0123456789abcdef0123456789abcdef";
  const dnsWrite = await cloudflare.getAccountApiTokenPermissionGroupsList({ accountId, name: "DNS Write" }, { provider });
  expect(await settled(permissionGroupId("DNS Write", accountId, { provider }))).toBe(dnsWrite.results[0].id);
});

describe("pickPermissionGroup", () => {
  const results = [
    { id: "a", name: "Workers DNS Write" },
    { id: "b", name: "DNS Write" },
  ];

  it("takes the exact name, not a partial match", () => {
    expect(pickPermissionGroup(results, "DNS Write")).toBe("b");
  });

  it("fails by name when Cloudflare offers no such group", () => {
    expect(() => pickPermissionGroup(results, "Zone Read")).toThrow(
      'Cloudflare has no API token permission group named "Zone Read" (scope com.cloudflare.api.account.zone)',
    );
  });
});
