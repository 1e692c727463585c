// Runs ESLint's Node API outside jest (jest's VM cannot load the flat config, an ES module)
// and prints JSON. Input on stdin: { probes: [{ filePath, code }], lint: [paths], configFor: [paths] }.
// Only `no-restricted-imports` runs, without type information: the layer rules are all this checks.
import { ESLint } from "eslint";

const request = JSON.parse(await new Promise((resolve) => {
  let text = "";
  process.stdin.on("data", (chunk) => (text += chunk));
  process.stdin.on("end", () => resolve(text));
}));
const eslint = new ESLint({
  cwd: process.cwd(),
  ruleFilter: ({ ruleId }) => ruleId === "no-restricted-imports",
  overrideConfig: { languageOptions: { parserOptions: { projectService: false } } },
});
const messages = (results) => results.flatMap((r) => r.messages.map((m) => ({ file: r.filePath, ruleId: m.ruleId, message: m.message })));
const probes = [];
for (const probe of request.probes ?? []) probes.push(messages(await eslint.lintText(probe.code, { filePath: probe.filePath })));
const lint = request.lint?.length ? messages(await eslint.lintFiles(request.lint)) : [];
const configFor = {};
for (const file of request.configFor ?? []) {
  const config = await eslint.calculateConfigForFile(file);
  configFor[file] = config?.rules?.["no-restricted-imports"] ?? null;
}
process.stdout.write(JSON.stringify({ probes, lint, configFor }));
