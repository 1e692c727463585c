// `npm run render -- <stack> [--out DIR]`: the program's plan, offline; see tools/render/.
import { main } from "./render/cli";

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  },
);
