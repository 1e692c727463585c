// `npm run migration -- compare <stack> --inventory FILE`: what the switch to this tree would prune; see tools/migration/.
import { main } from "./migration/cli";

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  },
);
