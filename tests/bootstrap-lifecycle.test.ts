/**
 * The rules a stack applies to what its previous run recorded (bootstrap/lifecycle.ts):
 * when Flux owns the releases, and when a Talos PKI mode switch is refused.
 */
import { fluxOwnsReleases, modeSwitchReport, ownedTitles, parseRecordedLifecycle, pkiSwitchProblems, withLegacyItems, type PkiSwitchInput } from "../bootstrap/lifecycle";

describe("recorded lifecycle", () => {
  test("reads the fields it knows and ignores anything else", () => {
    expect(parseRecordedLifecycle(undefined)).toEqual({});
    expect(parseRecordedLifecycle("x")).toEqual({});
    expect(parseRecordedLifecycle({ fluxOwnsReleases: true, pki: "adopt", pkiItem: "t", other: 1 })).toEqual({ fluxOwnsReleases: true, pki: "adopt", pkiItem: "t" });
    expect(parseRecordedLifecycle({ fluxOwnsReleases: "yes", pki: "other" })).toEqual({});
  });

  test("reads the recorded 1Password items, dropping entries of another shape", () => {
    const items = [{ vault: "Infra", title: "kubernetes/c/a/b" }, { vault: "Infra" }, "x", { vault: 1, title: "t" }];
    expect(parseRecordedLifecycle({ onepasswordItems: items })).toEqual({ onepasswordItems: [{ vault: "Infra", title: "kubernetes/c/a/b" }] });
    expect(parseRecordedLifecycle({ onepasswordItems: "x" })).toEqual({});
  });

  test("owns the titles recorded in the vault asked about, by vault name", () => {
    const recorded = { onepasswordItems: [{ vault: "Infra", title: "a" }, { vault: "Other", title: "b" }] };
    expect(ownedTitles(recorded, "Infra")).toEqual(["a"]);
    expect(ownedTitles(recorded, "Nowhere")).toEqual([]);
    expect(ownedTitles({}, "Infra")).toEqual([]);
  });

  test("takes an older run's onepasswordItems output as the record when lifecycle has none", () => {
    expect(withLegacyItems({ pki: "adopt" }, { vault: "Infra", titles: ["a", 2, "b"] })).toEqual({
      pki: "adopt",
      onepasswordItems: [{ vault: "Infra", title: "a" }, { vault: "Infra", title: "b" }],
    });
    // The lifecycle's own record wins, even when empty; a malformed output is no record.
    expect(withLegacyItems({ onepasswordItems: [] }, { vault: "Infra", titles: ["a"] })).toEqual({ onepasswordItems: [] });
    expect(withLegacyItems({}, { titles: ["a"] })).toEqual({});
    expect(withLegacyItems({}, undefined)).toEqual({});
  });

  test("Flux owns the releases on an adopted cluster, or once a run recorded the hand-off; never otherwise", () => {
    expect(fluxOwnsReleases(true, {})).toBe(true);
    expect(fluxOwnsReleases(false, { fluxOwnsReleases: true })).toBe(true);
    expect(fluxOwnsReleases(false, { fluxOwnsReleases: false })).toBe(false);
    expect(fluxOwnsReleases(false, {})).toBe(false);
  });
});

describe("PKI mode switch", () => {
  const input = (over: Partial<PkiSwitchInput>): PkiSwitchInput => ({
    configured: "adopt",
    bootstrapped: true,
    confirmed: false,
    item: "c-talos",
    recorded: {},
    ...over,
  });
  const paths = (i: PkiSwitchInput) => pkiSwitchProblems(i).map((p) => p.path);

  test("the same mode as recorded, or a first run that adopts, is fine", () => {
    expect(pkiSwitchProblems(input({ recorded: { pki: "adopt", pkiItem: "c-talos" } }))).toEqual([]);
    expect(pkiSwitchProblems(input({}))).toEqual([]);
    expect(pkiSwitchProblems(input({ configured: "generate", bootstrapped: false }))).toEqual([]);
    expect(pkiSwitchProblems(input({ configured: "generate", bootstrapped: false, recorded: { pki: "generate", pkiItem: "c-talos" } }))).toEqual([]);
  });

  test("a switch either way on a recorded cluster is refused unless confirmed", () => {
    expect(paths(input({ configured: "generate", item: "new", recorded: { pki: "adopt", pkiItem: "c-talos" } }))).toEqual(["talos.pki"]);
    expect(paths(input({ configured: "adopt", recorded: { pki: "generate", pkiItem: "c-talos" } }))).toEqual(["talos.pki"]);
    expect(paths(input({ configured: "adopt", confirmed: true, recorded: { pki: "generate", pkiItem: "c-talos" } }))).toEqual([]);
  });

  test("generate on a cluster that already runs is refused unless confirmed", () => {
    expect(pkiSwitchProblems(input({ configured: "generate" }))[0].message).toMatch(/already runs.*confirmPkiSwitch/);
    expect(paths(input({ configured: "generate", confirmed: true }))).toEqual([]);
  });

  test("a generated PKI is never written next to the adopted item, confirmed or not", () => {
    const adopted = { pki: "adopt" as const, pkiItem: "c-talos" };
    expect(paths(input({ configured: "generate", confirmed: true, recorded: adopted }))).toEqual(["onepassword.talosItem"]);
    expect(paths(input({ configured: "generate", recorded: adopted }))).toEqual(["talos.pki", "onepassword.talosItem"]);
    expect(paths(input({ configured: "generate", confirmed: true, item: "c-talos-generated", recorded: adopted }))).toEqual([]);
  });
});

describe("mode switches", () => {
  const base = { configured: "generate" as const, onepassword: true, meshed: true, pkiSecretsUrn: "urn:secrets" };
  const backedUp = { pki: "generate" as const, pkiItem: "infra-talos", revision: 2, onepasswordItems: [{ vault: "Prod", title: "infra-talos" }], meshed: true };

  test("a switch by this program goes ahead, explained", () => {
    expect(modeSwitchReport({ ...base, configured: "adopt", recorded: backedUp })).toEqual({ problems: [], notices: [expect.stringContaining("generate -> adopt")] });
    expect(modeSwitchReport({ ...base, onepassword: false, recorded: backedUp }).notices).toEqual([expect.stringContaining("1Password off")]);
    expect(modeSwitchReport({ ...base, meshed: false, recorded: backedUp }).notices).toEqual([expect.stringContaining("clustermesh off")]);
    expect(modeSwitchReport({ ...base, recorded: backedUp })).toEqual({ problems: [], notices: [] });
  });

  test("after the program that protected what leaves: refused, one problem per switch", () => {
    const older = { ...backedUp, revision: undefined };
    const report = modeSwitchReport({ ...base, configured: "adopt", meshed: false, recorded: older });
    expect(report.problems.map((p) => p.path)).toEqual(["talos.pki", "clustermesh.enabled"]);
  });

  test("a PKI without backup: the notice names the unprotect a person decides on", () => {
    const alone = { pki: "generate" as const, pkiItem: "infra-talos", revision: 2 };
    expect(modeSwitchReport({ ...base, configured: "adopt", recorded: alone }).notices[0]).toContain("`pulumi state unprotect 'urn:secrets'`");
  });
});
