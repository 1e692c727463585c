// `npm run migration -- compare <stack> (--inventory FILE | --live [--context C] [--save FILE])`: what the switch to this tree would prune; see tools/migration/.
import { runAsProcess } from "./cli";
import { main } from "./migration/cli";

runAsProcess(main);
