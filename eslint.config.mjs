// ESLint flat config: typescript-eslint's recommended rules (type-aware) plus Pulumi's
// rules against Outputs inside template literals (use pulumi.interpolate instead).
import pulumi from "@pulumi/eslint-plugin";
import tseslint from "typescript-eslint";

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
  {
    // The Talos binding mirrors the upstream SDK's shape (types.input.machine...), which uses namespaces.
    files: ["sdks/talos/**/*.ts"],
    rules: { "@typescript-eslint/no-namespace": "off" },
  },
);
