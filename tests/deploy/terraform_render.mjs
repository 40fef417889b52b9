// Renders a Terraform module's kubernetes_* resources as the Kubernetes objects the provider would
// send, for given variable values: no terraform binary exists here (docs/kubernetes.md#checks).
// HCL is parsed by HashiCorp's own parser (@cdktf/hcl2json, its Go code as WebAssembly); this file
// only evaluates the expressions. It knows the subset the module uses and throws on anything else,
// so a new construct fails the test loudly instead of rendering something wrong.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import hcl2json from "@cdktf/hcl2json";

// Every .tf file of a directory, merged: { variable, locals, resource, output, files }.
export async function loadModule(dir) {
  const module = { dir, variable: {}, locals: {}, resource: {}, output: {}, files: [] };
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith(".tf"))
    .sort()) {
    const json = await hcl2json.parse(file, readFileSync(join(dir, file), "utf8"));
    module.files.push(file);
    for (const [name, [body]] of Object.entries(json.variable ?? {})) module.variable[name] = body;
    for (const block of json.locals ?? []) Object.assign(module.locals, block);
    for (const [name, [body]] of Object.entries(json.output ?? {})) module.output[name] = body;
    for (const [type, byName] of Object.entries(json.resource ?? {})) {
      for (const [name, [body]] of Object.entries(byName)) {
        module.resource[`${type}.${name}`] = { type, name, body };
      }
    }
  }
  return module;
}

const FUNCTIONS = {
  merge: (...maps) => Object.assign({}, ...maps.filter((m) => m != null)),
  coalesce: (...values) => {
    const v = values.find((x) => x != null && x !== "");
    if (v === undefined) throw new Error("coalesce: no non-null, non-empty argument");
    return v;
  },
  sha256: (s) => createHash("sha256").update(String(s), "utf8").digest("hex"),
  tostring: (v) => (v == null ? null : String(v)),
  contains: (list, v) => list.includes(v),
};

const BINARY = {
  equal: (a, b) => JSON.stringify(a) === JSON.stringify(b),
  notEqual: (a, b) => JSON.stringify(a) !== JSON.stringify(b),
  logicalAnd: (a, b) => a && b,
  logicalOr: (a, b) => a || b,
  greaterThan: (a, b) => a > b,
  greaterThanOrEqual: (a, b) => a >= b,
  lessThan: (a, b) => a < b,
  add: (a, b) => a + b,
  subtract: (a, b) => a - b,
};

// Terraform iterates a map in the lexical order of its keys (for_each, for expressions).
const sortedEntries = (map) =>
  Object.keys(map)
    .sort()
    .map((k) => [k, map[k]]);

export class Evaluator {
  // vars: the module's variables (defaults, then overrides); locals are evaluated on first use.
  constructor(module, overrides = {}) {
    this.module = module;
    this.vars = {};
    for (const [name, v] of Object.entries(module.variable)) this.vars[name] = v.default ?? null;
    for (const [name, v] of Object.entries(overrides)) {
      if (!(name in module.variable)) throw new Error(`override of an unknown variable: ${name}`);
      this.vars[name] = v;
    }
    this.localCache = new Map();
  }

  async local(name) {
    if (!(name in this.module.locals)) throw new Error(`unknown local: local.${name}`);
    if (!this.localCache.has(name)) {
      this.localCache.set(name, this.value(this.module.locals[name], {}));
    }
    return this.localCache.get(name);
  }

  // A value as hcl2json gives it: strings may hold templates, maps and lists hold values.
  async value(v, scope) {
    if (typeof v === "string") return v.includes("${") ? this.expr(`"${v}"`, scope) : v;
    if (Array.isArray(v)) return Promise.all(v.map((x) => this.value(x, scope)));
    if (v && typeof v === "object") {
      const out = {};
      for (const [k, x] of Object.entries(v)) out[k] = await this.value(x, scope);
      return out;
    }
    return v;
  }

  async expr(src, scope) {
    const ast = await hcl2json.getExpressionAst("expr.tf", src);
    if (!ast) throw new Error(`cannot parse expression: ${src}`);
    return this.node(ast, Buffer.from(src, "utf8"), scope);
  }

  async node(n, src, scope) {
    const kids = n.children ?? [];
    const at = (i) => this.node(kids[i], src, scope);
    switch (n.type) {
      case "templateWrap":
        return at(0);
      case "template": {
        const parts = await Promise.all(kids.map((_, i) => at(i)));
        if (parts.some((p) => p == null)) throw new Error(`null in template ${n.meta.value}`);
        return parts.join("");
      }
      case "literalValue":
        if (n.meta.type === "string") return n.meta.value;
        if (n.meta.type === "number") return Number(n.meta.value);
        if (n.meta.type === "bool") return n.meta.value === "true";
        if (n.meta.value === "null") return null;
        break;
      case "scopeTraversal":
        return this.traverse(n.meta.traversal, scope);
      case "function": {
        const fn = FUNCTIONS[n.meta.name];
        if (!fn) throw new Error(`function not supported by the test's evaluator: ${n.meta.name}`);
        return fn(...(await Promise.all(kids.map((_, i) => at(i)))));
      }
      case "conditional":
        return (await at(0)) ? at(1) : at(2);
      case "binaryOp": {
        const op = BINARY[n.meta.operator];
        if (!op) throw new Error(`operator not supported: ${n.meta.operator}`);
        return op(await at(0), await at(1));
      }
      case "unaryOp":
        if (n.meta.operator === "logicalNot") return !(await at(0));
        if (n.meta.operator === "negate") return -(await at(0));
        break;
      case "tuple":
        return Promise.all(kids.map((_, i) => at(i)));
      case "object": {
        const out = {};
        for (let i = 0; i < kids.length; i += 2) {
          // A quoted key wraps its template; a bare one has no children: its name is its text.
          const k = kids[i];
          const key = k.children?.length
            ? await this.node(k.children[0], src, scope)
            : src.subarray(k.range.start.byte, k.range.end.byte).toString("utf8");
          out[key] = await at(i + 1);
        }
        return out;
      }
      case "for":
        return this.forExpr(n.meta, scope);
      default:
    }
    throw new Error(
      `expression not supported by the test's evaluator: ${n.type} ${n.meta?.value ?? ""}`,
    );
  }

  async forExpr(m, scope) {
    const coll = await this.expr(m.collectionExpression, scope);
    const entries = Array.isArray(coll) ? coll.map((v, i) => [i, v]) : sortedEntries(coll);
    const asMap = m.openRangeValue === "{";
    const out = asMap ? {} : [];
    for (const [k, v] of entries) {
      const inner = { ...scope, [m.valVar]: v };
      if (m.keyVar) inner[m.keyVar] = k;
      if (m.conditionalExpression && !(await this.expr(m.conditionalExpression, inner))) continue;
      const value = await this.expr(m.valueExpression, inner);
      if (asMap) out[await this.expr(m.keyExpression, inner)] = value;
      else out.push(value);
    }
    return out;
  }

  async traverse(parts, scope) {
    const [root, ...rest] = parts.map((p) => p.segment);
    let v;
    if (root === "var") {
      const name = rest.shift();
      if (!(name in this.vars)) throw new Error(`unknown variable: var.${name}`);
      v = this.vars[name];
    } else if (root === "local") {
      v = await this.local(rest.shift());
    } else if (root in scope) {
      v = scope[root];
    } else {
      throw new Error(`reference not supported by the test's evaluator: ${root}.${rest.join(".")}`);
    }
    for (const seg of rest) {
      const key = /^".*"$/.test(seg) ? JSON.parse(seg) : seg;
      if (v == null || !(key in Object(v)))
        throw new Error(`no attribute ${key} in ${parts.map((p) => p.segment).join(".")}`);
      v = v[key];
    }
    return v;
  }
}

// --- provider schema -> Kubernetes object ---

const KINDS = {
  kubernetes_namespace_v1: ["v1", "Namespace"],
  kubernetes_service_account_v1: ["v1", "ServiceAccount"],
  kubernetes_config_map_v1: ["v1", "ConfigMap"],
  kubernetes_secret_v1: ["v1", "Secret"],
  kubernetes_stateful_set_v1: ["apps/v1", "StatefulSet"],
  kubernetes_deployment_v1: ["apps/v1", "Deployment"],
  kubernetes_pod_disruption_budget_v1: ["policy/v1", "PodDisruptionBudget"],
  kubernetes_service_v1: ["v1", "Service"],
  kubernetes_ingress_v1: ["networking.k8s.io/v1", "Ingress"],
};
// Meta-arguments and provider-only settings: not part of the object sent to the cluster.
const NOT_IN_OBJECT = new Set([
  "count",
  "depends_on",
  "lifecycle",
  "provider",
  "timeouts",
  "wait_for_rollout",
  "wait_for_load_balancer",
]);
// Repeated blocks become lists with the API's plural name. `port` is one object under an
// Ingress backend's `service`, a list elsewhere.
const LISTS = {
  container: "containers",
  init_container: "initContainers",
  port: "ports",
  env: "env",
  env_from: "envFrom",
  volume_mount: "volumeMounts",
  volume: "volumes",
  volume_claim_template: "volumeClaimTemplates",
  rule: "rules",
  path: "paths",
  tls: "tls",
  toleration: "tolerations",
  image_pull_secrets: "imagePullSecrets",
  topology_spread_constraint: "topologySpreadConstraints",
};
// The provider's int-or-string attributes are strings in HCL; it sends "1" as the number 1 and
// "25%" as the string (Kubernetes' intstr.Parse).
const INT_OR_STRING = new Set(["max_unavailable", "min_available", "max_surge"]);
const SINGLE_UNDER = { port: new Set(["service"]) };
const camel = (s) => s.replace(/_([a-z])/g, (_, c) => c.toUpperCase());
const isBlockList = (v) =>
  Array.isArray(v) &&
  v.length > 0 &&
  v.every((x) => x && typeof x === "object" && !Array.isArray(x));

async function renderBlock(ev, body, scope, parent) {
  const out = {};
  const blocks = {};
  const addBlock = (name, rendered) => (blocks[name] ??= []).push(rendered);
  for (const [key, v] of Object.entries(body)) {
    if (NOT_IN_OBJECT.has(key)) continue;
    if (key === "dynamic") {
      for (const [label, specs] of Object.entries(v)) {
        for (const spec of specs) {
          const coll = await ev.value(spec.for_each, scope);
          const entries = Array.isArray(coll) ? coll.map((x, i) => [i, x]) : sortedEntries(coll);
          const iterator = spec.iterator ?? label;
          for (const [k, x] of entries) {
            addBlock(
              label,
              await renderBlock(
                ev,
                spec.content[0],
                { ...scope, [iterator]: { key: k, value: x } },
                label,
              ),
            );
          }
        }
      }
    } else if (isBlockList(v)) {
      for (const b of v) addBlock(key, await renderBlock(ev, b, scope, key));
    } else {
      const value = await ev.value(v, scope);
      // The provider sends nothing for a null attribute or an empty map or list.
      const empty = value == null || (typeof value === "object" && Object.keys(value).length === 0);
      if (!empty)
        out[camel(key)] =
          INT_OR_STRING.has(key) && /^\d+$/.test(value) ? Number(value) : value;
    }
  }
  for (const [name, list] of Object.entries(blocks)) {
    if (LISTS[name] && !SINGLE_UNDER[name]?.has(parent)) out[LISTS[name]] = list;
    else if (list.length === 1) out[camel(name)] = list[0];
    else throw new Error(`block ${name} repeated under ${parent}: add it to LISTS`);
  }
  return out;
}

// The objects the module creates for these variable values, in file order.
export async function renderModule(module, overrides = {}) {
  const ev = new Evaluator(module, overrides);
  const objects = [];
  for (const { type, name, body } of Object.values(module.resource)) {
    if (!KINDS[type]) throw new Error(`resource type not known to the test: ${type}.${name}`);
    if (body.count !== undefined) {
      const count = await ev.value(body.count, {});
      if (count !== 0 && count !== 1)
        throw new Error(`${type}.${name}: count ${count} (0 or 1 expected)`);
      if (count === 0) continue;
    }
    const [apiVersion, kind] = KINDS[type];
    const object = { apiVersion, kind, ...(await renderBlock(ev, body, {}, null)) };
    // The provider takes a Secret's `data` as text and sends it base64-encoded.
    if (kind === "Secret" && object.data) {
      for (const [k, v] of Object.entries(object.data))
        object.data[k] = Buffer.from(v, "utf8").toString("base64");
    }
    objects.push(object);
  }
  return { objects, evaluator: ev };
}

// The error messages of every lifecycle precondition that fails for these variable values (what
// `terraform plan` would stop with), whether or not its resource is created.
export async function failedPreconditions(module, overrides = {}) {
  const ev = new Evaluator(module, overrides);
  const failed = [];
  for (const { body } of Object.values(module.resource)) {
    for (const lifecycle of body.lifecycle ?? []) {
      for (const p of lifecycle.precondition ?? []) {
        if ((await ev.value(p.condition, {})) !== true) failed.push(p.error_message);
      }
    }
  }
  return failed;
}
