import { runProgram } from "../harness";
it("probe", async () => {
  const r = await runProgram({ stack: "infra" });
  const sizes = r.resources.map((x) => [JSON.stringify(x.inputs).length, x.type, x.name] as const).sort((a, b) => b[0] - a[0]);
  console.log(sizes.slice(0, 15).map((s) => s.join(" ")).join("\n"), "\nTOTAL", sizes.reduce((a, s) => a + s[0], 0));
  const inv = r.invokes.map((x) => [JSON.stringify(x.inputs).length, x.token] as const).sort((a, b) => b[0] - a[0]);
  console.log(inv.slice(0, 8).map((s) => s.join(" ")).join("\n"));
});
