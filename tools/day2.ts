/** Runs one day-2 step; see components/talos/day2/cli.ts. */
import { main } from "../components/talos/day2/cli";

void main(process.env, process.argv[2]).then((code) => (process.exitCode = code));
