// `npm run render -- <stack> [--out DIR]`: the program's plan, offline; see tools/render/.
import { runAsProcess } from "./cli";
import { main } from "./render/cli";

runAsProcess(main);
