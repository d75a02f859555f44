// Code that runs in the browser (everything in src/components, and any module marked "use client")
// imports src/shared, never src/server: server modules pull secrets, the database and Node APIs into
// the bundle, and the line between the two is otherwise invisible. Type-only imports are allowed,
// as tRPC's client needs the router's type (`import type { AppRouter }`). Written here because
// no-restricted-imports cannot select files by their "use client" directive.
import path from "node:path";

const SERVER = path.join("src", "server") + path.sep;

function isClientModule(context, program) {
  const file = path.relative(context.cwd, context.filename);
  if (file.startsWith(path.join("src", "components") + path.sep)) return true;
  const first = program.body[0];
  return first?.type === "ExpressionStatement" && first.directive === "use client";
}

function reachesServer(context, source) {
  if (source === "@/server" || source.startsWith("@/server/")) return true;
  if (!source.startsWith(".")) return false;
  const target = path.relative(context.cwd, path.resolve(path.dirname(context.filename), source));
  return target === SERVER.slice(0, -1) || target.startsWith(SERVER);
}

/** @type {import('eslint').Rule.RuleModule} */
export const clientImportsShared = {
  meta: {
    type: "problem",
    docs: { description: "Browser code imports src/shared, never src/server (type-only imports allowed)" },
    messages: {
      server: "Browser code must not import '{{source}}' (src/server): move what it needs to src/shared.",
    },
    schema: [],
  },
  create(context) {
    let client = false;
    const check = (node, source, typeOnly) => {
      if (!client || typeOnly || typeof source !== "string") return;
      if (reachesServer(context, source)) context.report({ node, messageId: "server", data: { source } });
    };
    const allTypes = (node) =>
      node.importKind === "type" || (node.specifiers?.length > 0 && node.specifiers.every((s) => s.importKind === "type"));
    return {
      Program(program) {
        client = isClientModule(context, program);
      },
      ImportDeclaration: (node) => check(node, node.source.value, allTypes(node)),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source.value, node.exportKind === "type"),
      ExportAllDeclaration: (node) => check(node, node.source.value, node.exportKind === "type"),
      ImportExpression: (node) => node.source.type === "Literal" && check(node, node.source.value, false),
    };
  },
};
