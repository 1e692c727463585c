// `npm run lint:workflows`: actionlint over .github/workflows; exits non-zero on any problem.
import * as path from "path";
import { lintWorkflows, workflowFiles } from "./workflows/actionlint";

const root = path.resolve(__dirname, "..");
lintWorkflows(root).then(
  (problems) => {
    for (const p of problems) console.error(`${p.file}:${p.line}:${p.column}: ${p.message} [${p.kind}]`);
    console.log(`${workflowFiles(root).length} workflow file(s), ${problems.length} problem(s)`);
    // actionlint's Go runtime stays parked on an event after the last lint; end here.
    process.exit(problems.length > 0 ? 1 : 0);
  },
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
