// The API's wire format is superjson's ({ json, meta }); this encodes what procedures return in
// one pass. superjson's own walker copies the path and the ancestors at every node and re-keys each
// annotation at every level above it: 3.4 ms of CPU for one 50-item ingestions.list page, ten times
// JSON.stringify's. Outputs are zod-checked plain data (objects, arrays, strings, finite numbers,
// booleans, null, Dates, undefined), which this writes exactly as superjson would; anything else
// (a bigint, a Map, an object met twice, NaN, a class instance, …) goes to superjson itself.
import superjson from "superjson";

type Annotation = ["Date"] | ["undefined"];
type Annotations = Record<string, Annotation>;
export interface SuperJsonResult {
  json: unknown;
  meta?: { values?: unknown; referentialEqualities?: unknown; v?: number };
}

/** Returned up the walk when a value needs superjson's full treatment. */
const UNUSUAL: unique symbol = Symbol("unusual");

/** superjson's escaping of a key in an annotation path. */
function escapeKey(key: string): string {
  return key.includes(".") || key.includes("\\") ? key.replace(/\\/g, "\\\\").replace(/\./g, "\\.") : key;
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * The walk's state: the annotation path as a stack of escaped keys (joined only when a value is
 * annotated, which few are), the annotations so far and the objects met.
 */
interface Walk {
  keys: string[];
  values: Annotations;
  annotated: number;
  seen: Set<object>;
}

function annotate(walk: Walk, annotation: Annotation): void {
  walk.values[walk.keys.join(".")] = annotation;
  walk.annotated++;
}

/** `root`: the value is the whole output (superjson annotates a root Date or undefined differently). */
function encode(value: unknown, walk: Walk, root: boolean): unknown {
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      return Number.isFinite(value) && !Object.is(value, -0) ? value : UNUSUAL;
    case "undefined":
      if (root) return UNUSUAL;
      annotate(walk, ["undefined"]);
      return null;
    case "object":
      break;
    default:
      return UNUSUAL;
  }
  if (value === null) return root ? UNUSUAL : null;
  // superjson records an object met twice as a referential equality: leave those to it.
  if (walk.seen.has(value)) return UNUSUAL;
  walk.seen.add(value);
  if (value instanceof Date) {
    if (root || Number.isNaN(value.getTime())) return UNUSUAL;
    annotate(walk, ["Date"]);
    return value.toISOString();
  }
  const { keys } = walk;
  if (Array.isArray(value)) {
    const out: unknown[] = new Array(value.length);
    for (let i = 0; i < value.length; i++) {
      if (!(i in value)) return UNUSUAL;
      keys.push(String(i));
      const item = encode(value[i], walk, false);
      keys.pop();
      if (item === UNUSUAL) return UNUSUAL;
      out[i] = item;
    }
    return out;
  }
  if (!isPlainObject(value)) return UNUSUAL;
  const out: Record<string, unknown> = {};
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    // superjson refuses these keys anywhere (prototype pollution). `__proto__` stays refused; a
    // column may well be called constructor or prototype, and plain JSON under it is harmless:
    // only an annotation path through it would reach the client's walker, so then superjson decides.
    if (key === "__proto__") return UNUSUAL;
    const guarded = key === "constructor" || key === "prototype";
    const before = walk.annotated;
    keys.push(escapeKey(key));
    const item = encode(value[key], walk, false);
    keys.pop();
    if (item === UNUSUAL) return UNUSUAL;
    if (guarded && walk.annotated > before) return UNUSUAL;
    out[key] = item;
  }
  return out;
}

/**
 * What `superjson.serialize(value)` returns, computed in one pass for plain data (a root object or
 * array); anything else is superjson's.
 */
export function serializeOutput(value: unknown): SuperJsonResult {
  const walk: Walk = { keys: [], values: {}, annotated: 0, seen: new Set() };
  const json = encode(value, walk, true);
  if (json === UNUSUAL) return superjson.serialize(value) as SuperJsonResult;
  return walk.annotated > 0 ? { json, meta: { values: walk.values, v: 1 } } : { json };
}

/** tRPC's transformer: outputs encoded by serializeOutput, inputs read by superjson (the client's encoder). */
export const apiTransformer = {
  serialize: serializeOutput,
  deserialize: (payload: unknown): unknown => superjson.deserialize(payload as Parameters<typeof superjson.deserialize>[0]),
};
