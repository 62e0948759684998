// Test support for policies: compliant fixtures that the whole pack accepts, and helpers that run
// one policy (or the pack) on them through the in-process runner, exactly as the engine would.
import type { Policies, Policy, PolicyPackConfig } from "@pulumi/policy";
import { runPolicies, type Finding, type RunnerResource } from "../../policies/runner";
import { pulumiTypeOf } from "../../policies/lib/kubernetes";

/* eslint-disable @typescript-eslint/no-explicit-any -- fixtures are untyped JSON */

/**
 * What the engine hands policies for a value not known until the update
 * (`pulumi.runtime.unknownValue`); the runner's `unknownCheckingProxy` throws on reading it.
 */
export const unknownMarker = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/**
 * A deep copy, so each test mutates its own fixture. Not structuredClone: under jest that builds
 * objects of another realm, which `unknownCheckingProxy` (an `instanceof Object` check) would
 * silently leave unproxied.
 */
export function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** A Deployment as the program renders one: hardened, sized, probed, labelled. */
export function compliantDeployment(name = "api", namespace = "toolboxai"): any {
  const labels = {
    "app.kubernetes.io/name": name,
    "app.kubernetes.io/instance": "toolboxai-production",
    "app.kubernetes.io/component": "api",
    "app.kubernetes.io/part-of": "toolboxai",
    "app.kubernetes.io/managed-by": "pulumi",
  };
  const selector = {
    "app.kubernetes.io/name": name,
    "app.kubernetes.io/instance": "toolboxai-production",
  };
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace, labels },
    spec: {
      replicas: 2,
      selector: { matchLabels: selector },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: {
        metadata: { labels: { ...labels, "zone.toolboxai.io/backend": "true" } },
        spec: {
          serviceAccountName: name,
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: 1001,
            runAsGroup: 1001,
            fsGroup: 1001,
            seccompProfile: { type: "RuntimeDefault" },
          },
          topologySpreadConstraints: [
            {
              maxSkew: 1,
              topologyKey: "kubernetes.io/hostname",
              whenUnsatisfiable: "ScheduleAnyway",
              labelSelector: { matchLabels: selector },
            },
          ],
          containers: [
            {
              name,
              image: "ghcr.io/toolboxai/backend:1.4.0",
              imagePullPolicy: "IfNotPresent",
              ports: [{ name: "http", containerPort: 8009, protocol: "TCP" }],
              env: [
                { name: "DATABASE_HOST", value: "postgres.toolboxai.svc.cluster.local" },
                { name: "DATABASE_PASSWORD_FILE", value: "/run/secrets/database-password" },
              ],
              resources: {
                requests: { cpu: "250m", memory: "512Mi" },
                limits: { cpu: "1", memory: "1Gi" },
              },
              readinessProbe: {
                httpGet: { path: "/health", port: "http" },
                periodSeconds: 30,
                failureThreshold: 3,
                timeoutSeconds: 5,
              },
              livenessProbe: {
                tcpSocket: { port: "http" },
                periodSeconds: 30,
                failureThreshold: 3,
                timeoutSeconds: 5,
              },
              startupProbe: {
                httpGet: { path: "/health", port: "http" },
                periodSeconds: 10,
                failureThreshold: 4,
                timeoutSeconds: 5,
              },
              securityContext: {
                runAsNonRoot: true,
                runAsUser: 1001,
                runAsGroup: 1001,
                readOnlyRootFilesystem: true,
                allowPrivilegeEscalation: false,
                privileged: false,
                capabilities: { drop: ["ALL"] },
                seccompProfile: { type: "RuntimeDefault" },
              },
              volumeMounts: [
                {
                  name: "secrets",
                  mountPath: "/run/secrets/database-password",
                  subPath: "database-password",
                  readOnly: true,
                },
                { name: `${name}-tmp`, mountPath: "/tmp" },
              ],
            },
          ],
          volumes: [
            { name: "secrets", secret: { secretName: `${name}-secrets`, defaultMode: 0o440 } },
            { name: `${name}-tmp`, emptyDir: { sizeLimit: "256Mi" } },
          ],
        },
      },
    },
  };
}

/** A runner resource for a Kubernetes object (type from apiVersion and kind). */
export function resourceOf(
  object: any,
  name = object?.metadata?.name ?? "fixture",
): RunnerResource {
  const type = pulumiTypeOf(object.apiVersion, object.kind);
  return { type, name, urn: `urn:pulumi:test::toolboxai::${type}::${name}`, props: object };
}

/** Runs the given policies on the objects; returns the findings of `policy` only. */
export async function findingsOf(
  policy: Policy,
  objects: readonly any[],
  config?: PolicyPackConfig,
  pack: Policies = [policy as Policies[number]],
): Promise<Finding[]> {
  const findings = await runPolicies(
    pack,
    objects.map((object) => resourceOf(object)),
    { config },
  );
  return findings.filter((finding) => finding.policy === policy.name);
}

/** The messages `policy` reports for the objects. */
export async function messagesOf(
  policy: Policy,
  objects: readonly any[],
  config?: PolicyPackConfig,
): Promise<string[]> {
  return (await findingsOf(policy, objects, config)).map((finding) => finding.message);
}
