/**
 * The flux-operator chart must ship the Flux distribution the FluxInstance asks for.
 * Versions are read from where they are pinned (the OCIRepository tags, the FluxInstance
 * values) and from bootstrap/flux-distributions.yaml; none is repeated here.
 */
import * as path from "path";
import { distributionProblem, loadFluxDistributions } from "../bootstrap/flux-versions";
import { loadBootstrapCharts } from "../bootstrap/loader";
import { fixtureSettings } from "./helpers/cluster-settings";

const repoRoot = path.resolve(__dirname, "..");
const settings = fixtureSettings("infra");
const charts = loadBootstrapCharts(repoRoot, settings, 3);
const chart = (name: string) => {
  const found = charts.find((c) => c.release.name === name)?.chart;
  if (!found) throw new Error(`no bootstrapped release ${name}`);
  return found;
};

describe("flux-operator and the Flux distribution", () => {
  const table = loadFluxDistributions(repoRoot);
  const operator = chart("flux-operator").version;
  const requested = String((chart("flux-instance").values.instance as { distribution: { version: string } }).distribution.version);

  test("the pinned operator ships the Flux version the FluxInstance asks for", () => {
    expect(distributionProblem(operator, requested, table)).toBeUndefined();
  });

  test("flux-instance is pinned to the operator's release (the charts are released together)", () => {
    expect(chart("flux-instance").version).toBe(operator);
  });

  test("the check fails when they drift apart", () => {
    const older = Object.keys(table).find((v) => distributionProblem(v, requested, table) !== undefined);
    expect(older).toBeDefined();
    expect(distributionProblem(String(older), requested, table)).toMatch(/older than the requested/);
    expect(distributionProblem("0.0.1", requested, table)).toMatch(/not listed/);
    expect(distributionProblem(operator, "3.0.x", table)).toMatch(/another major/);
  });

  test("the table is ordered and never goes backwards", () => {
    const num = (v: string) => v.replace(/^v/, "").split(".").map(Number);
    const cmp = (a: number[], b: number[]) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
    const rows = Object.entries(table).map(([op, flux]) => [num(op), num(flux)] as const);
    for (let i = 1; i < rows.length; i += 1) {
      expect(cmp(rows[i][0], rows[i - 1][0])).toBeGreaterThan(0);
      expect(cmp(rows[i][1], rows[i - 1][1])).toBeGreaterThanOrEqual(0);
    }
  });
});
