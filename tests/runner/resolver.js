/**
 * Jest module resolver. Resolves as jest does, except for two modules that @pulumi/pulumi
 * loads eagerly only for closure serialization (`pulumi.runtime.serializeFunction` and
 * `computeCodePaths`, which this program never calls): the TypeScript compiler and npm's
 * Arborist (runtime/index.js requires closure/serializeClosure.js and closure/codePaths.js
 * at load; typescript-shim.js and codePaths.js require the two). Every test file loads Pulumi into a fresh module registry, and those two were
 * most of its load time. Under jest they resolve to a module that fails loudly if used.
 * `pulumi up` and the tools load the real modules; only Pulumi's own requests are diverted.
 */
const path = require("path");

const PULUMI = `${path.sep}node_modules${path.sep}@pulumi${path.sep}pulumi${path.sep}`;
const CLOSURE_ONLY = new Set(["typescript", "@npmcli/arborist"]);
const STUB = path.join(__dirname, "closure-dependency.js");

module.exports = (request, options) =>
  CLOSURE_ONLY.has(request) && `${options.basedir}${path.sep}`.includes(PULUMI) ? STUB : options.defaultResolver(request, options);
