// Pulumi entry point: `pulumi up -s <stack>` runs this program with that stack's config.
import { program } from "./stacks/program";

export = program;
