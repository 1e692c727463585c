/**
 * The program as a first `pulumi preview` of the running clusters sees it: every output of a
 * resource created in the run is unknown (harness `firstPreview`). What a reviewer must
 * still get at that preview is asserted here.
 */
import { MockSecret, programResources, sharedRun } from "../harness";

describe.each(["infra", "apps"])("first preview of %s (adopted PKI)", (stack) => {
  const run = () => sharedRun({ stack, firstPreview: true });

  it("evaluates without error and registers the whole graph", async () => {
    const first = await run();
    const up = await sharedRun({ stack });
    expect(first.error).toBeUndefined();
    // Registration order differs (nothing waits on unknown values), the set does not.
    const names = (r: typeof first) => programResources(r).map((x) => `${x.type}::${x.name}`).sort();
    expect(names(first)).toEqual(names(up));
  });

  it("gives the Kubernetes provider a kubeconfig known at preview, as a secret, so previews diff the live objects", async () => {
    const first = await run();
    const provider = first.resources.find((r) => r.type === "pulumi:providers:kubernetes");
    expect(provider?.inputs.kubeconfig).toBeInstanceOf(MockSecret);
    expect(String((provider?.inputs.kubeconfig as MockSecret).value)).toMatch(/client-certificate-data/);
  });
});
