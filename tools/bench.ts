// `npm run bench`: evaluation time under the mock runtime; see tools/bench/. Not a test.
import { PROJECT_ROOT, stackNames } from "../harness";
import { bench, parseBenchArgs } from "./bench/cli";

const options = parseBenchArgs(process.argv.slice(2), stackNames(PROJECT_ROOT));
if (typeof options === "string") {
  console.error(options);
  process.exitCode = 2;
} else {
  bench(options, (line) => console.error(line)).then(
    (table) => process.stdout.write(table),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exitCode = 1;
    },
  );
}
