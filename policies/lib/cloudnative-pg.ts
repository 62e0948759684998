// The PostgreSQL instance pod CloudNativePG (1.29) makes from a `Cluster`, as far as the Cluster
// decides it (its pkg/specs/pods.go and containers.go): the operator's security contexts with the
// Cluster's own over them, the Cluster's image, resources and priority, the labels it passes on
// (`inheritedMetadata`), its fixed ports and status probes, and its volumes with the size limits
// the Cluster gives them (`ephemeralVolumesSizeLimit`). So every pod rule
// judges the instances like any workload, and a Cluster that weakens the defaults is caught.

/* eslint-disable @typescript-eslint/no-explicit-any -- policy props are untyped JSON */

import type { PodTemplate } from "./kubernetes";

const statusPort = 8000;

/** A probe of the status port, with the Cluster's settings (`spec.probes.<kind>`) over it. */
function statusProbe(path: string, periodSeconds: number, settings: any) {
  // `type` and `maximumLag` choose what the instance manager checks, not the probe's timing.
  const timing = Object.fromEntries(
    Object.entries(settings ?? {}).filter(([key]) => key !== "type" && key !== "maximumLag"),
  );
  return { httpGet: { path, port: statusPort }, periodSeconds, timeoutSeconds: 5, ...timing };
}

/** The anti-affinity the operator gives the instances (`spec.affinity`), by default preferred. */
function antiAffinity(spec: any, name: string) {
  const affinity = spec.affinity ?? {};
  if (affinity.enablePodAntiAffinity === false) return undefined;
  const term = {
    labelSelector: { matchLabels: { "cnpg.io/cluster": name, "cnpg.io/podRole": "instance" } },
    topologyKey: affinity.topologyKey ?? "kubernetes.io/hostname",
  };
  return affinity.podAntiAffinityType === "required"
    ? { requiredDuringSchedulingIgnoredDuringExecution: [term] }
    : { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: term }] };
}

/** The operator makes a Cluster's PodDisruptionBudgets (its primary's, its standbys') unless told not to. */
export function operatorMakesBudgets(kind: string, props: any): boolean {
  return kind === "Cluster" && props?.spec?.enablePDB !== false;
}

export function cloudNativePgInstancePod(props: any): PodTemplate {
  const spec = props?.spec ?? {};
  const uid = spec.postgresUID ?? 26;
  const gid = spec.postgresGID ?? 26;
  const seccompProfile = spec.seccompProfile ?? { type: "RuntimeDefault" };
  const name = props?.metadata?.name;
  const limits = spec.ephemeralVolumesSizeLimit;
  const sized = (limit: unknown) => (limit === undefined ? {} : { sizeLimit: limit });
  return {
    path: "spec",
    metadata: {
      labels: {
        ...(spec.inheritedMetadata?.labels ?? {}),
        "cnpg.io/cluster": name,
        "cnpg.io/podRole": "instance",
      },
      annotations: spec.inheritedMetadata?.annotations ?? {},
    },
    spec: {
      // The instance manager reads its Cluster through the API: the operator mounts the token of
      // the ServiceAccount it makes for the cluster.
      serviceAccountName: spec.serviceAccountName ?? name,
      priorityClassName: spec.priorityClassName,
      affinity: { podAntiAffinity: antiAffinity(spec, name) },
      securityContext: {
        runAsUser: uid,
        runAsGroup: gid,
        runAsNonRoot: true,
        fsGroup: gid,
        seccompProfile,
        ...(spec.podSecurityContext ?? {}),
      },
      containers: [
        {
          name: "postgres",
          image: spec.imageName,
          imagePullPolicy: spec.imagePullPolicy,
          command: ["/controller/manager", "instance", "run"],
          resources: spec.resources,
          ports: [
            { name: "postgresql", containerPort: 5432, protocol: "TCP" },
            { name: "metrics", containerPort: 9187, protocol: "TCP" },
            { name: "status", containerPort: statusPort, protocol: "TCP" },
          ],
          startupProbe: statusProbe("/startupz", 10, spec.probes?.startup),
          readinessProbe: statusProbe("/readyz", 10, spec.probes?.readiness),
          livenessProbe: statusProbe("/healthz", 10, spec.probes?.liveness),
          securityContext: {
            seccompProfile,
            capabilities: { drop: ["ALL"] },
            privileged: false,
            runAsNonRoot: true,
            readOnlyRootFilesystem: true,
            allowPrivilegeEscalation: false,
            ...(spec.securityContext ?? {}),
          },
          volumeMounts: [
            { name: "pgdata", mountPath: "/var/lib/postgresql/data" },
            { name: "scratch-data", mountPath: "/run" },
            { name: "scratch-data", mountPath: "/controller" },
            { name: "shm", mountPath: "/dev/shm" },
          ],
        },
      ],
      volumes: [
        { name: "pgdata", persistentVolumeClaim: { claimName: `${name}-1` } },
        { name: "scratch-data", emptyDir: sized(limits?.temporaryData) },
        { name: "shm", emptyDir: { medium: "Memory", ...sized(limits?.shm) } },
      ],
    },
  };
}
