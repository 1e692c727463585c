/**
 * CEL selectors in Talos documents (a volume's provisioning.diskSelector.match, a
 * LinkAliasConfig's selector.match), checked before any node sees them. Talos parses,
 * type-checks against its environment and requires a bool (pkg/machinery/cel/cel.go
 * parseExpressionWithOutputType, called from Validate: block/volume_config.go and
 * network/link_alias.go via Expression.ParseBool); a failure rejects the whole config at
 * apply. Pure: no Pulumi import.
 *
 * Parsing is @bufbuild/cel's, a full CEL parser. On the parsed tree this module checks what
 * Talos's environment fixes (pkg/machinery/cel/celenv/celenv.go at v1.13.9): the variables
 * and constants in scope, the fields of the root message, the custom functions, and that
 * the result is a bool. It is not a CEL type-checker: an operand of the wrong type (e.g.
 * `disk.model > 3`) passes here and only Talos refuses it; the one mix it catches is an
 * int literal times a size unit (`100 * GiB`; the units are uint, so CEL has no overload).
 */
import { parse } from "@bufbuild/cel";

type Expr = ReturnType<typeof parse>["expr"];

export type CelEnvironment = "disk" | "link";

/** The size units Talos declares as uint constants (celenv.go unitMultipliers). */
const UNITS = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "kB", "MB", "GB", "TB", "PB", "EB"];

interface Environment {
  /** Root variable and the fields of its message (api/resource/definitions/*.proto). */
  readonly root: string;
  readonly fields: readonly string[];
  readonly boolFields: readonly string[];
  readonly otherNames: readonly string[];
  readonly boolNames: readonly string[];
  readonly functions: readonly string[];
}

const ENVIRONMENTS: Readonly<Record<CelEnvironment, Environment>> = {
  // DiskLocator: `disk` (block.DiskSpec), `system_disk`, glob(), the units.
  disk: {
    root: "disk",
    fields: [
      "size", "io_size", "sector_size", "readonly", "model", "serial", "modalias", "wwid", "bus_path", "sub_system",
      "transport", "rotational", "cdrom", "dev_path", "pretty_size", "secondary_disks", "uuid", "symlinks",
    ],
    boolFields: ["readonly", "rotational", "cdrom"],
    otherNames: UNITS,
    boolNames: ["system_disk"],
    functions: ["glob"],
  },
  // LinkLocator: `link` (network.LinkStatusSpec), glob(), mac().
  link: {
    root: "link",
    fields: [
      "index", "type", "link_index", "flags", "hardware_addr", "broadcast_addr", "mtu", "queue_disc", "master_index",
      "operational_state", "kind", "slave_kind", "bus_path", "pciid", "driver", "driver_version", "firmware_version",
      "product_id", "vendor_id", "product", "vendor", "link_state", "speed_megabits", "port", "duplex", "vlan",
      "bridge_master", "bond_master", "wireguard", "permanent_addr", "alias", "alt_names", "vrf_master",
    ],
    boolFields: ["link_state"],
    otherNames: [],
    boolNames: [],
    functions: ["glob", "mac"],
  },
};

/** CEL's standard functions and operators (cel-spec langdef.md "Standard definitions"). */
const STANDARD = new Set([
  "_&&_", "_||_", "!_", "_==_", "_!=_", "_<_", "_<=_", "_>_", "_>=_", "_+_", "_-_", "_*_", "_/_", "_%_", "-_", "_?_:_",
  "_[_]", "@in", "@not_strictly_false", "size", "contains", "startsWith", "endsWith", "matches", "int", "uint", "double",
  "string", "bytes", "bool", "dyn", "type", "duration", "timestamp",
]);

const BOOL_CALLS = new Set(["_&&_", "_||_", "!_", "_==_", "_!=_", "_<_", "_<=_", "_>_", "_>=_", "@in", "contains", "startsWith", "endsWith", "matches", "glob", "bool", "@not_strictly_false"]);

function walk(expr: Expr | undefined, env: Environment, scope: ReadonlySet<string>, problems: string[]): void {
  if (!expr) return;
  const kind = expr.exprKind;
  switch (kind.case) {
    case "identExpr": {
      const name = kind.value.name;
      if (!scope.has(name) && name !== env.root && !env.otherNames.includes(name) && !env.boolNames.includes(name)) {
        problems.push(`undeclared reference to '${name}' (in scope: ${[env.root, ...env.boolNames, ...env.otherNames].join(", ")})`);
      }
      return;
    }
    case "selectExpr": {
      const { operand, field } = kind.value;
      if (operand?.exprKind.case === "identExpr" && operand.exprKind.value.name === env.root && !scope.has(env.root) && !env.fields.includes(field)) {
        problems.push(`${env.root} has no field '${field}' (fields: ${env.fields.join(", ")})`);
      }
      walk(operand, env, scope, problems);
      return;
    }
    case "callExpr": {
      const { function: fn, args, target } = kind.value;
      if (!STANDARD.has(fn) && !env.functions.includes(fn)) problems.push(`undeclared function '${fn}'`);
      if (fn === "_*_" && args.length === 2) {
        const [a, b] = args;
        const isUnit = (e: Expr) => e.exprKind.case === "identExpr" && UNITS.includes(e.exprKind.value.name);
        const isInt = (e: Expr) => e.exprKind.case === "constExpr" && e.exprKind.value.constantKind.case === "int64Value";
        if ((isUnit(a) && isInt(b)) || (isInt(a) && isUnit(b))) {
          problems.push("an int literal times a size unit has no CEL overload (the units are uint): write e.g. 100u * GiB");
        }
      }
      walk(target, env, scope, problems);
      for (const arg of args) walk(arg, env, scope, problems);
      return;
    }
    case "listExpr":
      for (const e of kind.value.elements) walk(e, env, scope, problems);
      return;
    case "structExpr":
      for (const entry of kind.value.entries) {
        if (entry.keyKind.case === "mapKey") walk(entry.keyKind.value, env, scope, problems);
        walk(entry.value, env, scope, problems);
      }
      return;
    case "comprehensionExpr": {
      const c = kind.value;
      walk(c.iterRange, env, scope, problems);
      walk(c.accuInit, env, scope, problems);
      const inner = new Set([...scope, c.iterVar, c.iterVar2, c.accuVar].filter((v) => v !== ""));
      walk(c.loopCondition, env, inner, problems);
      walk(c.loopStep, env, inner, problems);
      walk(c.result, env, inner, problems);
      return;
    }
    default:
      return;
  }
}

/** Whether `expr` evaluates to a bool, as far as its shape says. */
function isBool(expr: Expr, env: Environment): boolean {
  const kind = expr.exprKind;
  switch (kind.case) {
    case "constExpr":
      return kind.value.constantKind.case === "boolValue";
    case "identExpr":
      return env.boolNames.includes(kind.value.name);
    case "selectExpr": {
      const { operand, field, testOnly } = kind.value;
      if (testOnly) return true; // has(x.f)
      return operand?.exprKind.case === "identExpr" && operand.exprKind.value.name === env.root && env.boolFields.includes(field);
    }
    case "callExpr": {
      const { function: fn, args } = kind.value;
      if (fn === "_?_:_") return args.length === 3 && isBool(args[1], env) && isBool(args[2], env);
      return BOOL_CALLS.has(fn);
    }
    case "comprehensionExpr": {
      // all/exists/exists_one end in a bool accumulator or comparison; map/filter build a list.
      const result = kind.value.result;
      return result !== undefined && (result.exprKind.case === "identExpr" ? kind.value.accuInit?.exprKind.case === "constExpr" && kind.value.accuInit.exprKind.value.constantKind.case === "boolValue" : isBool(result, env));
    }
    default:
      return false;
  }
}

/** Problems of one selector (empty when Talos would accept it as far as checked here). */
export function celSelectorProblems(expression: string, environment: CelEnvironment): string[] {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(expression);
  } catch (err) {
    return [`does not parse as CEL: ${err instanceof Error ? err.message : String(err)}`];
  }
  const env = ENVIRONMENTS[environment];
  const problems: string[] = [];
  walk(parsed.expr, env, new Set(), problems);
  if (problems.length === 0 && !isBool(parsed.expr, env)) problems.push("does not evaluate to a bool (Talos requires a bool selector)");
  return problems;
}
