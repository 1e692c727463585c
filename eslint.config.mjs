// ESLint flat config: typescript-eslint's recommended rules (type-aware) plus Pulumi's
// rules against Outputs inside template literals (use pulumi.interpolate instead).
import pulumi from "@pulumi/eslint-plugin";
import tseslint from "typescript-eslint";

// Layers, imports only downward (README "Layers"):
//   lib/ (pure helpers) -> bootstrap/, sdks/ -> components/ -> stacks/ -> index.ts;
//   harness/, tools/ and tests/ sit beside and may import any layer.
// ESLint's flat config replaces (does not merge) a rule's options when several blocks
// match a file, so every block lists all the restrictions of the files it matches.
// Project folders are matched as a climb out of the importing file (`../../stacks/x`),
// so an inner folder that happens to share a name (sdks/talos/machine/bootstrap.ts) is not.
const up = (...folders) => `^(\\.\\./)+(${folders.join("|")})(/|$)`;
const restriction = (regex, message) => ({ regex, message });
const PULUMI = restriction("^@(pulumi|1password)/", "a pure module has no Pulumi import: it must run and be tested without the Pulumi runtime");
const BESIDE = restriction(up("harness", "tools", "tests"), "harness/, tools/ and tests/ sit beside the program: the program never imports them");
const STACKS = restriction(up("stacks"), "components never import stacks/: a component takes narrow typed args, and stacks/ maps the config to them");
const ABOVE_LIB = (...folders) => restriction(up(...folders), "bootstrap/ and sdks/ import only lib/ (and themselves): they sit below components/ and stacks/");
const LIB = restriction("^\\.\\.(/|$)", "lib/ imports no project folder: it is the bottom layer");
const restrict = (...patterns) => ({ "no-restricted-imports": ["error", { patterns }] });

/** Plans and rules with no Pulumi import: the components and render call them, and their tests need no mock runtime. */
export const PURE_FILES = [
  "components/talos/plan.ts",
  "components/talos/network.ts",
  "components/talos/derived.ts",
  "components/talos/documents.ts",
  "components/talos/patches.ts",
  "components/talos/kubeconfig.ts",
  "components/talos/client-credentials.ts",
  "components/talos/schematic.ts",
  "components/talos/rules/**/*.ts",
  "components/talos/day2/plan.ts",
  "components/talos/day2/runner.ts",
  "components/talos/day2/versions.ts",
  "components/talos/day2/cli.ts",
  "components/clustermesh/checks.ts",
  "components/clustermesh/cidr.ts",
  "components/clustermesh/contract.ts",
  "components/clustermesh/values.ts",
  "components/onepassword/titles.ts",
  "components/bootstrap/helm-wait.ts",
];
/** stacks/ modules that check and map config without the Pulumi runtime. */
export const PURE_STACK_FILES = [
  "stacks/validate.ts",
  "stacks/schema.ts",
  "stacks/reachability.ts",
  "stacks/settings.ts",
  "stacks/strings.ts",
  "stacks/pem.ts",
  "stacks/errors.ts",
  "stacks/plans.ts",
];

export default tseslint.config(
  { ignores: ["node_modules/", "bin/", "render/", "coverage/", "**/*.js", "**/*.mjs"] },
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { "@pulumi": pulumi },
    rules: {
      "@pulumi/no-output-in-template-literal": "error",
      "@pulumi/no-output-instance-in-template-literal": "error",
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/no-floating-promises": "error",
    },
  },
  { files: ["lib/**/*.ts"], rules: restrict(LIB, PULUMI) },
  { files: ["bootstrap/**/*.ts"], rules: restrict(ABOVE_LIB("components", "stacks", "sdks"), BESIDE, PULUMI) },
  { files: ["sdks/**/*.ts"], rules: restrict(ABOVE_LIB("components", "stacks", "bootstrap"), BESIDE) },
  { files: ["components/**/*.ts"], rules: restrict(STACKS, BESIDE) },
  { files: PURE_FILES, rules: restrict(STACKS, BESIDE, PULUMI) },
  { files: ["stacks/**/*.ts"], rules: restrict(BESIDE) },
  { files: PURE_STACK_FILES, rules: restrict(BESIDE, PULUMI) },
  {
    // The Talos binding mirrors the upstream SDK's shape (types.input.machine...), which uses namespaces.
    files: ["sdks/talos/**/*.ts"],
    rules: { "@typescript-eslint/no-namespace": "off" },
  },
);
