// The Terraform module (deploy/terraform/em-metrics) and the plain manifests (deploy/kubernetes)
// describe the same objects: ctest `deploy_manifests` (docs/kubernetes.md#checks).
//   node tests/deploy/check.mjs [REPO_ROOT]     exit 0 when every check passes, 1 otherwise
// What is compared, and what is not, is listed in docs/kubernetes.md; in short: every field of
// every object, the module rendered with its defaults against the manifests of kustomization.yaml
// (and with the ingress variables against ingress.yaml), except the Secret's example values.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import yaml from "js-yaml";
import { failedPreconditions, loadModule, renderModule } from "./terraform_render.mjs";

const root = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), "../.."));
const moduleDir = join(root, "deploy/terraform/em-metrics");
const exampleDir = join(root, "deploy/terraform/examples/basic");
const manifestDir = join(root, "deploy/kubernetes");
const componentDir = join(manifestDir, "postgres");
// The PostgreSQL mode as the component deploy/kubernetes/postgres holds it: the module rendered
// with these must equal the base's objects with the component applied.
const POSTGRES_EXAMPLE = {
  database_url: "postgres://em-metrics:change-me@postgres.example.internal:5432/em-metrics",
  replicas: 2,
};
// The values ingress.yaml holds as its example: the module rendered with these must equal it.
const INGRESS_EXAMPLE = {
  ingress_host: "em-metrics.example.com",
  ingress_class_name: "nginx",
  ingress_tls_secret_name: "em-metrics-tls",
};
const PROBES = ["startupProbe", "livenessProbe", "readinessProbe"];

const failures = [];
const fail = (msg) => failures.push(msg);
const key = (o) => `${o.kind}/${o.metadata?.name}`;

// Every path where a and b differ, as "path: a != b".
export function diff(a, b, path = "") {
  if (a === b) return [];
  const isObj = (x) => x !== null && typeof x === "object";
  if (!isObj(a) || !isObj(b) || Array.isArray(a) !== Array.isArray(b)) {
    return [`${path || "/"}: module ${JSON.stringify(a)} != manifest ${JSON.stringify(b)}`];
  }
  const out = [];
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
    out.push(...diff(a[k], b[k], `${path}/${k}`));
  }
  return out;
}

const readYaml = (file) =>
  yaml.loadAll(readFileSync(join(manifestDir, file), "utf8")).filter(Boolean);

function checkVariables(module, where) {
  for (const [name, v] of Object.entries(module.variable)) {
    if (typeof v.description !== "string" || v.description.trim() === "") {
      fail(`${where}: variable "${name}" has no description`);
    }
    if (typeof v.type !== "string" || v.type.trim() === "")
      fail(`${where}: variable "${name}" has no type`);
  }
  for (const [name, o] of Object.entries(module.output)) {
    if (typeof o.description !== "string" || o.description.trim() === "") {
      fail(`${where}: output "${name}" has no description`);
    }
  }
}

// Every container of every pod template has the three probes, and requests and limits of CPU and
// memory.
function checkContainers(objects, where) {
  for (const o of objects) {
    const pod = o.spec?.template?.spec;
    if (!pod) continue;
    const containers = [...(pod.containers ?? []), ...(pod.initContainers ?? [])];
    if (containers.length === 0) fail(`${where}: ${key(o)} has no container`);
    for (const c of containers) {
      for (const p of PROBES) {
        if (!c[p]?.httpGet?.path) fail(`${where}: ${key(o)} container ${c.name}: no ${p}`);
      }
      for (const kind of ["limits", "requests"]) {
        for (const r of ["cpu", "memory"]) {
          if (!c.resources?.[kind]?.[r])
            fail(`${where}: ${key(o)} container ${c.name}: no ${kind}.${r}`);
        }
      }
    }
  }
}

// The Secret holds example values in the manifests and nothing by default in the module: compare
// everything else, and check the keys (set or commented out) are the module's, all of them.
function secretKeys(text) {
  return [...text.matchAll(/^\s*#?\s*([A-Z][A-Z0-9_]+):/gm)].map((m) => m[1]);
}

// Every environment variable the deployment sets is a setting the server documents (a typo in
// a name would be ignored by the server, silently).
function checkEnvNamesDocumented(names) {
  const text = ["docs/configuration.md", "docs/metrics-export.md"]
    .map((f) => readFileSync(join(root, f), "utf8"))
    .join("\n");
  const documented = new Set();
  // `OTEL_EXPORTER_OTLP_[METRICS_]HEADERS` documents both names.
  for (const [, n] of text.matchAll(/`([A-Z][A-Z0-9_]*(?:\[[A-Z0-9_]+\][A-Z0-9_]*)*)`/g)) {
    documented.add(n.replace(/\[([A-Z0-9_]+)\]/g, "$1"));
    documented.add(n.replace(/\[[A-Z0-9_]+\]/g, ""));
  }
  for (const n of names)
    if (!documented.has(n))
      fail(`env ${n}: not in docs/configuration.md or docs/metrics-export.md`);
}

async function validateSchemas(objects, where) {
  const groups = {
    v1: "kubernetes-models/v1",
    "apps/v1": "kubernetes-models/apps/v1",
    "networking.k8s.io/v1": "kubernetes-models/networking.k8s.io/v1",
    "policy/v1": "kubernetes-models/policy/v1",
  };
  for (const o of objects) {
    const Model = (await import(groups[o.apiVersion]))[o.kind];
    try {
      new Model(o).validate();
    } catch (e) {
      fail(`${where}: ${key(o)} is not a valid ${o.apiVersion} ${o.kind}: ${e.message}`);
    }
  }
}

export async function compare(rendered, manifests, where) {
  const byKey = new Map(manifests.map((o) => [key(o), o]));
  const problems = [];
  for (const o of rendered) {
    const m = byKey.get(key(o));
    if (!m) {
      problems.push(`${where}: the module creates ${key(o)}, the manifests do not`);
      continue;
    }
    byKey.delete(key(o));
    const strip = (x) =>
      x.kind === "Secret" ? { ...x, data: undefined, stringData: undefined } : x;
    for (const d of diff(strip(o), strip(m))) problems.push(`${where}: ${key(o)} ${d}`);
  }
  for (const k of byKey.keys())
    problems.push(`${where}: the manifests hold ${k}, the module does not create it`);
  return problems;
}

// The objects of `resources: [deploy/kubernetes]` + `components: [deploy/kubernetes/postgres]`,
// as kustomize builds them, for the subset the component uses (its resources, and patches that
// delete an object); anything else in it fails the check rather than being ignored.
function applyComponent(base) {
  const k = yaml.load(readFileSync(join(componentDir, "kustomization.yaml"), "utf8"));
  const unknown = Object.keys(k).filter((f) => !["apiVersion", "kind", "resources", "patches"].includes(f));
  if (k.kind !== "Component" || unknown.length) {
    fail(`postgres/kustomization.yaml: a Component with resources and patches only (${unknown})`);
  }
  let objects = [...base];
  for (const p of k.patches ?? []) {
    const patch = yaml.load(p.patch ?? "");
    if (patch?.$patch !== "delete" || p.path || p.target) {
      fail(`postgres/kustomization.yaml: a patch other than an inline $patch: delete`);
      continue;
    }
    const before = objects.length;
    objects = objects.filter(
      (o) =>
        !(o.kind === patch.kind && o.metadata.name === patch.metadata.name &&
          o.metadata.namespace === patch.metadata.namespace),
    );
    if (objects.length === before) fail(`postgres: the patch deletes ${key(patch)}, not in the base`);
  }
  const files = readdirSync(componentDir).filter((f) => f.endsWith(".yaml") && f !== "kustomization.yaml");
  for (const f of files)
    if (!(k.resources ?? []).includes(f)) fail(`postgres/kustomization.yaml: ${f} is not in resources`);
  for (const f of k.resources ?? []) {
    objects.push(...yaml.loadAll(readFileSync(join(componentDir, f), "utf8")).filter(Boolean));
  }
  return objects;
}

// The Deployment's pod template is the StatefulSet's but for the database: these edits of the
// StatefulSet's template must give the Deployment's exactly (both from the module).
function expectedDeploymentTemplate(stsTemplate, databaseSecret) {
  const t = structuredClone(stsTemplate);
  const c = t.spec.containers[0];
  c.env = c.env.map((e) => (e.name === "SQLITE_DB" ? { name: "SQLITE_DB", value: "" } : e));
  c.env.push({
    name: "DATABASE_URL",
    valueFrom: { secretKeyRef: { name: databaseSecret, key: "database-url" } },
  });
  c.volumeMounts = c.volumeMounts.filter((m) => m.name !== "data");
  const { containers, ...rest } = t.spec;
  t.spec = {
    ...rest,
    topologySpreadConstraints: [
      {
        maxSkew: 1,
        topologyKey: "kubernetes.io/hostname",
        whenUnsatisfiable: "ScheduleAnyway",
        labelSelector: { matchLabels: t.metadata.labels },
      },
    ],
    containers,
  };
  return t;
}

async function checkPostgresMode(module, defaults, manifests) {
  const pg = await renderModule(module, POSTGRES_EXAMPLE);
  const kinds = pg.objects.map(key);
  for (const k of ["Deployment/em-metrics", "PodDisruptionBudget/em-metrics", "Secret/em-metrics-database"])
    if (!kinds.includes(k)) fail(`postgres mode: the module does not create ${k}`);
  if (kinds.includes("StatefulSet/em-metrics")) fail("postgres mode: the module keeps the StatefulSet");
  const overlay = applyComponent(manifests);
  failures.push(...(await compare(pg.objects, overlay, "postgres")));
  const sts = defaults.find((o) => o.kind === "StatefulSet");
  const deployment = pg.objects.find((o) => o.kind === "Deployment");
  if (sts && deployment) {
    const want = expectedDeploymentTemplate(sts.spec.template, "em-metrics-database");
    for (const d of diff(deployment.spec.template, want))
      fail(`postgres mode: the Deployment's pod template differs from the StatefulSet's ${d}`);
  }
  checkContainers(overlay, "postgres");
  await validateSchemas(pg.objects, "module (postgres)");
  await validateSchemas(overlay, "postgres component");
  // A Secret of one's own: no Secret created, its name in the pods' DATABASE_URL.
  const own = await renderModule(module, { database_url_secret_name: "pg-url", replicas: 3 });
  const env = own.objects.find((o) => o.kind === "Deployment")?.spec.template.spec.containers[0].env;
  if (own.objects.some((o) => o.metadata.name === "em-metrics-database") ||
      env?.find((e) => e.name === "DATABASE_URL")?.valueFrom?.secretKeyRef?.name !== "pg-url") {
    fail("database_url_secret_name: the pods do not read that Secret, or the module creates one");
  }
  // What plan refuses: several SQLite replicas, and both ways of giving the URL.
  const cases = [
    [{}, 0], [POSTGRES_EXAMPLE, 0], [{ replicas: 2 }, 1],
    [{ ...POSTGRES_EXAMPLE, database_url_secret_name: "pg-url" }, 1],
  ];
  for (const [vars, n] of cases) {
    const failed = await failedPreconditions(module, vars);
    if (failed.length !== n)
      fail(`preconditions with ${JSON.stringify(vars)}: ${failed.length} fail (${n} expected): ${failed}`);
  }
  // The comparison itself can fail: a changed replica count in a copy of the component's objects.
  const changed = structuredClone(overlay);
  changed.find((o) => o.kind === "Deployment").spec.replicas = 3;
  if (!(await compare(pg.objects, changed, "self-check")).some((p) => p.includes("/spec/replicas")))
    fail("self-check: a changed replica count in the component was not reported");
  return overlay;
}

async function main() {
  const module = await loadModule(moduleDir);
  const example = await loadModule(exampleDir);
  checkVariables(module, "module");
  checkVariables(example, "examples/basic");
  // docs/kubernetes.md's tables list every variable and output of the module.
  const page = readFileSync(join(root, "docs/kubernetes.md"), "utf8");
  for (const name of [...Object.keys(module.variable), ...Object.keys(module.output)]) {
    if (!page.includes(`| \`${name}\` |`)) fail(`docs/kubernetes.md: no table row for \`${name}\``);
  }

  const kustomization = yaml.load(readFileSync(join(manifestDir, "kustomization.yaml"), "utf8"));
  const yamlFiles = readdirSync(manifestDir).filter(
    (f) => f.endsWith(".yaml") && f !== "kustomization.yaml",
  );
  const listed = new Set(kustomization.resources ?? []);
  for (const f of yamlFiles) {
    if (f !== "ingress.yaml" && !listed.has(f))
      fail(`kustomization.yaml: ${f} is not in resources`);
  }
  for (const f of listed)
    if (!yamlFiles.includes(f)) fail(`kustomization.yaml: ${f} does not exist`);
  if (listed.has("ingress.yaml"))
    fail("kustomization.yaml: ingress.yaml is optional, not a default resource");

  const manifests = [...listed].flatMap(readYaml);
  const { objects, evaluator } = await renderModule(module);
  // Every default passes its variable's own validation.
  for (const [name, v] of Object.entries(module.variable)) {
    for (const rule of v.validation ?? []) {
      if ((await evaluator.value(rule.condition, {})) !== true)
        fail(`module: the default of "${name}" fails its validation`);
    }
  }
  failures.push(...(await compare(objects, manifests, "defaults")));

  const ingressManifest = readYaml("ingress.yaml");
  const withIngress = (await renderModule(module, INGRESS_EXAMPLE)).objects.filter(
    (o) => o.kind === "Ingress",
  );
  if (withIngress.length !== 1)
    fail(`the module with ingress_host set creates ${withIngress.length} Ingresses`);
  failures.push(...(await compare(withIngress, ingressManifest, "ingress")));

  // The image kustomize sets is the module's default image.
  const img = kustomization.images?.[0];
  if (
    img?.name !== evaluator.vars.image ||
    img?.newTag !== evaluator.vars.image_tag ||
    kustomization.images.length !== 1
  ) {
    fail(
      `kustomization.yaml images: ${JSON.stringify(kustomization.images)}, module ${evaluator.vars.image}:${evaluator.vars.image_tag}`,
    );
  }

  // The Secret's keys, and every env name, are settings the server reads.
  const moduleSecretKeys = Object.keys(await evaluator.local("secret_env_all"));
  const exampleKeys = secretKeys(readFileSync(join(manifestDir, "secret.yaml"), "utf8"));
  for (const k of exampleKeys) {
    if (!moduleSecretKeys.includes(k)) fail(`secret.yaml: ${k} is not a secret variable of the module`);
  }
  for (const k of moduleSecretKeys) {
    if (!exampleKeys.includes(k)) fail(`secret.yaml: ${k} (a module secret variable) is not listed`);
  }
  const env = Object.keys(await evaluator.local("env"));
  checkEnvNamesDocumented([...env, ...moduleSecretKeys]);

  // The teams file's digest in the pod template is that of the ConfigMap's file.
  const cm = manifests.find((o) => o.kind === "ConfigMap");
  const sts = manifests.find((o) => o.kind === "StatefulSet");
  const digest = createHash("sha256")
    .update(cm?.data?.["teams.json"] ?? "")
    .digest("hex");
  if (sts?.spec?.template?.metadata?.annotations?.["em-metrics/teams-sha256"] !== digest) {
    fail(
      `statefulset.yaml: em-metrics/teams-sha256 is not the sha256 of configmap.yaml's teams.json (${digest})`,
    );
  }

  const overlay = await checkPostgresMode(module, objects, manifests);
  const pgDeployment = overlay.find((o) => o.kind === "Deployment");
  if (pgDeployment?.spec?.template?.metadata?.annotations?.["em-metrics/teams-sha256"] !== digest) {
    fail(`postgres/deployment.yaml: em-metrics/teams-sha256 is not the sha256 of configmap.yaml's teams.json`);
  }

  checkContainers(objects, "module");
  checkContainers(manifests, "manifests");
  await validateSchemas([...objects, ...withIngress], "module");
  await validateSchemas([...manifests, ...ingressManifest], "manifests");

  // The comparison itself can fail: a changed value in a copy of the manifests is reported.
  const changed = structuredClone(manifests);
  const changedSts = changed.find((o) => o.kind === "StatefulSet");
  changedSts.spec.volumeClaimTemplates[0].spec.resources.requests.storage = "6Gi";
  const found = await compare(objects, changed, "self-check");
  if (!found.some((p) => p.includes("/volumeClaimTemplates/0/spec/resources/requests/storage"))) {
    fail("self-check: a changed storage size in the manifests was not reported");
  }

  console.log(
    `module: ${module.files.length} files, ${Object.keys(module.variable).length} variables; ` +
      `examples/basic: ${Object.keys(example.variable).length} variables`,
  );
  console.log(
    `compared: ${objects.map(key).join(", ")}; Ingress with ${Object.keys(INGRESS_EXAMPLE).join(", ")}; ` +
      `postgres mode (${Object.keys(POSTGRES_EXAMPLE).join(", ")}): ${overlay.map(key).join(", ")}`,
  );
  if (failures.length) {
    for (const f of failures) console.error(`FAIL ${f}`);
    process.exit(1);
  }
  console.log("ok: the manifests are what the module creates with its defaults");
}

await main();
