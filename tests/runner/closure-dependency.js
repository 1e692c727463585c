/**
 * Stands in, under jest only, for a module @pulumi/pulumi needs for closure serialization
 * (see resolver.js). Loading it is free; using it fails with the reason.
 */
const INTEROP = new Set(["__esModule", "default", "then", "toJSON", "constructor", "prototype"]);

module.exports = new Proxy(
  {},
  {
    get(_target, name) {
      if (typeof name === "symbol" || INTEROP.has(name)) return undefined;
      throw new Error(
        `${String(name)}: @pulumi/pulumi's closure serialization is not available under jest (tests/runner/resolver.js); the program must not serialize functions`,
      );
    },
    ownKeys: () => [],
  },
);
