// Structural checks of a WorkloadSpec, run before anything is rendered. Pure: tests call it with
// a spec and compare the message.
import {
  mountedFiles,
  secretFileVariable,
  type Check,
  type ReadRule,
  type WorkloadSpec,
} from "./workload";

const fileName = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const dnsLabel = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** Kubernetes's IANA_SVC_NAME: at most 15 characters, a letter among them, no "--". */
const portName = /^(?=.{1,15}$)(?=.*[a-z])(?!.*--)[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function checkedPort(check: Check): string | undefined {
  if ("http" in check) return check.http.port;
  if ("tcp" in check) return check.tcp.port;
  return undefined;
}

/** Every problem with the spec, as sentences naming the workload and field; empty if none. */
export function workloadProblems(spec: WorkloadSpec): string[] {
  const problems: string[] = [];
  const where = (field: string) => `workload ${spec.name}: ${field}`;
  if (!dnsLabel.test(spec.name)) problems.push(where("name must be a DNS label"));
  if (spec.zones.length === 0) problems.push(where("zones must name at least one zone"));

  const secretNames = new Set((spec.secretFiles ?? []).map((file) => file.name));
  const configNames = new Set((spec.configFiles ?? []).map((file) => file.name));
  for (const file of spec.secretFiles ?? []) {
    if (!fileName.test(file.name)) {
      problems.push(
        where(`secret file "${file.name}" must be lowercase letters, digits, '-' or '.'`),
      );
    }
  }

  const allPorts = new Set<string>();
  const containerNames = new Set<string>();
  for (const container of spec.containers) {
    if (containerNames.has(container.name)) {
      problems.push(where(`container name "${container.name}" is used twice`));
    }
    containerNames.add(container.name);
    const ports = new Set((container.ports ?? []).map((port) => port.name));
    ports.forEach((port) => allPorts.add(port));
    for (const port of ports) {
      if (!portName.test(port)) {
        problems.push(
          where(
            `container ${container.name} port name "${port}" must be at most 15 lowercase ` +
              "letters, digits and '-', with a letter (the API server refuses it otherwise)",
          ),
        );
      }
    }
    const probes = container.probes;
    if (spec.kind === "scheduled") {
      if (probes) {
        problems.push(
          where(`container ${container.name} of a scheduled job has probes; it runs to completion`),
        );
      }
    } else if (!probes) {
      problems.push(where(`container ${container.name} needs readiness and liveness probes`));
    }
    for (const [kind, check] of Object.entries(probes ?? {})) {
      const port = check ? checkedPort(check) : undefined;
      if (port !== undefined && !ports.has(port)) {
        problems.push(
          where(`container ${container.name} ${kind} probe uses unknown port "${port}"`),
        );
      }
    }
    if (probes && JSON.stringify(probes.readiness) === JSON.stringify(probes.liveness)) {
      problems.push(
        where(`container ${container.name} liveness probe must differ from its readiness probe`),
      );
    }
    for (const name of container.secretFiles ?? []) {
      if (!secretNames.has(name))
        problems.push(where(`container ${container.name} mounts unknown secret file "${name}"`));
    }
    for (const name of container.configFiles ?? []) {
      if (!configNames.has(name))
        problems.push(where(`container ${container.name} mounts unknown config file "${name}"`));
    }
    const mounted = mountedFiles(spec, container).secretFiles;
    for (const variable of Object.keys(container.env ?? {})) {
      const clash = mounted.find((name) => secretFileVariable(name) === variable);
      if (clash)
        problems.push(
          where(`container ${container.name} env ${variable} is set by secret file "${clash}"`),
        );
    }
  }
  for (const metrics of spec.metrics ?? []) {
    if (!allPorts.has(metrics.port))
      problems.push(where(`metrics port "${metrics.port}" is not a container port`));
  }
  const mainPorts = new Set((spec.containers[0].ports ?? []).map((port) => port.name));
  if (spec.publicEntry && !mainPorts.has(spec.publicEntry.port))
    problems.push(
      where(`public entry port "${spec.publicEntry.port}" is not a port of the main container`),
    );
  if (spec.publicEntry && spec.publicEntry.host === "")
    problems.push(where("public entry needs the host users reach it at"));
  problems.push(...apiAccessProblems(spec).map(where));
  if (spec.host && spec.kind !== "daemon") {
    problems.push(where('host access is only for node agents: kind must be "daemon"'));
  }
  for (const path of spec.host?.readOnlyPaths ?? []) {
    if (!path.hostPath.startsWith("/") || !path.mountPath.startsWith("/")) {
      problems.push(where(`host path "${path.name}" needs absolute hostPath and mountPath`));
    }
  }
  if (spec.kind === "daemon" && (spec.autoscaling || spec.persistentVolume)) {
    problems.push(where("a daemon has one pod per node: no autoscaling, no persistentVolume"));
  }
  if (spec.kind === "stateful" && !spec.persistentVolume) {
    problems.push(where("a stateful workload needs a persistentVolume"));
  }
  if ((spec.kind === "operated") !== (spec.operated !== undefined)) {
    problems.push(where('an operator\'s resource is required for, and only for, kind "operated"'));
  }
  for (const port of spec.peerPorts ?? []) {
    if (!allPorts.has(port)) problems.push(where(`peer port "${port}" is not a container port`));
  }
  for (const port of spec.operated?.operator.ports ?? []) {
    if (!allPorts.has(port))
      problems.push(where(`operated port "${port}" is not a container port`));
  }
  if (spec.kind === "operated" && (spec.autoscaling || spec.persistentVolume === undefined)) {
    problems.push(
      where("an operated workload has a fixed count of instances, each with its volume"),
    );
  }
  if ((spec.kind === "scheduled") !== (spec.schedule !== undefined)) {
    problems.push(where('a schedule is required for, and only for, kind "scheduled"'));
  }
  if (spec.kind === "scheduled") {
    if (spec.autoscaling || spec.persistentVolume || spec.replicas !== 1) {
      problems.push(
        where("a scheduled job runs one pod: replicas 1, no autoscaling, no persistentVolume"),
      );
    }
    if (spec.containers.some((container) => (container.ports ?? []).length > 0)) {
      problems.push(where("a scheduled job serves nothing: no ports"));
    }
  }
  for (const claim of spec.claims ?? []) {
    if (!claim.mountPath.startsWith("/")) {
      problems.push(where(`claim "${claim.claimName}" needs an absolute mountPath`));
    }
  }
  return problems;
}

/** Throws one error listing every problem; used by renderers before creating anything. */
export function assertValidWorkload(spec: WorkloadSpec): void {
  const problems = workloadProblems(spec);
  if (problems.length > 0) throw new Error(problems.join("\n"));
}

/** Cluster-scoped resources a ClusterRole may read; everything else is granted per namespace. */
export const clusterScopedReads: ReadonlySet<string> = new Set([
  "nodes",
  "nodes/proxy",
  "nodes/metrics",
  "namespaces",
]);
const readVerbs: ReadonlySet<string> = new Set(["get", "list", "watch"]);

function apiAccessProblems(spec: WorkloadSpec): string[] {
  const access = spec.apiAccess;
  if (!access) return [];
  const problems: string[] = [];
  const checkRule = (rule: ReadRule, where: string) => {
    for (const verb of rule.verbs) {
      if (!readVerbs.has(verb))
        problems.push(`${where} grants "${verb}"; only get, list and watch`);
    }
    for (const resource of rule.resources) {
      if (resource.includes("*")) problems.push(`${where} names "${resource}"; name each resource`);
    }
    if (rule.verbs.length === 0 || rule.resources.length === 0) {
      problems.push(`${where} needs at least one verb and one resource`);
    }
  };
  for (const [index, grant] of (access.namespaced ?? []).entries()) {
    if (grant.namespaces.length === 0) {
      problems.push(`apiAccess.namespaced[${index}] names no namespace`);
    }
    for (const rule of grant.rules) {
      checkRule(rule, `apiAccess.namespaced[${index}]`);
      const clusterWide = rule.resources.filter((resource) => clusterScopedReads.has(resource));
      if (clusterWide.length > 0) {
        problems.push(
          `apiAccess.namespaced[${index}] names cluster-scoped ${clusterWide.join(", ")}; ` +
            "grant them under apiAccess.cluster",
        );
      }
    }
  }
  for (const rule of access.cluster ?? []) {
    checkRule(rule, "apiAccess.cluster");
    const namespaced = rule.resources.filter((resource) => !clusterScopedReads.has(resource));
    if (namespaced.length > 0) {
      problems.push(
        `apiAccess.cluster names ${namespaced.join(", ")}, which live in namespaces; ` +
          "grant them per namespace under apiAccess.namespaced",
      );
    }
  }
  return problems;
}
