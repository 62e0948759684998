// What the component tests share: a service's settings (the defaults, with an image for the
// application's own services), the data wiring with recognisable secrets, and a component
// rendered alone under the mock engine by the Kubernetes renderer into the namespace "unit".
import * as pulumi from "@pulumi/pulumi";
import type { ServiceSettings } from "../../components/config";
import { serviceDefaults } from "../../components/config/defaults";
import type { ServiceName } from "../../components/config/schema";
import type { DataWiring, TelemetryWiring } from "../../components/app/wiring";
import { KubernetesRenderer } from "../../components/kubernetes/renderer";
import type { WorkloadSpec } from "../../components/model/workload";
import { captureResources, type RegisteredResource } from "../../tools/engine/mock-engine";

/* eslint-disable @typescript-eslint/no-explicit-any -- manifests are untyped JSON here */

/** A service's default settings; the application's own images have no default, so one is set. */
export function settingsOf(name: ServiceName): ServiceSettings {
  const defaults = serviceDefaults[name];
  return {
    ...defaults,
    image: defaults.image ?? { repository: `ghcr.io/toolboxai/${name}`, tag: "1.2.3" },
  };
}

/** The secrets of the wiring, as plain strings: a test looks for them where they must not be. */
export const secretValues = {
  databasePassword: "unit-database-password",
  redisPassword: "unit-redis-password",
  jwtSecret: "unit-jwt-secret",
  appSecretKey: "unit-app-secret-key",
} as const;

export const telemetry: TelemetryWiring = {
  otlpEndpoint: "http://jaeger.unit-monitoring.svc.cluster.local:4318",
  environment: "unit",
};

export const wiring: DataWiring = {
  environment: "unit",
  telemetry,
  logLevel: "info",
  database: {
    endpoint: { host: "postgres.unit.svc.cluster.local", port: 5432 },
    name: "toolboxai",
    user: "toolboxai",
  },
  redis: { host: "redis.unit.svc.cluster.local", port: 6379 },
  secrets: {
    databasePassword: pulumi.secret(secretValues.databasePassword),
    redisPassword: pulumi.secret(secretValues.redisPassword),
    jwtSecret: pulumi.secret(secretValues.jwtSecret),
    appSecretKey: pulumi.secret(secretValues.appSecretKey),
  },
};

/** Everything of a spec a process sees in plain text: env, commands, args, config files. */
export function plainText(spec: WorkloadSpec): string {
  return JSON.stringify({
    containers: spec.containers.map(({ env, command, args }) => ({ env, command, args })),
    configFiles: spec.configFiles,
  });
}

/** A secret file's value, once its Output resolves. */
export function secretFileValue(spec: WorkloadSpec, file: string): Promise<string> {
  const found = spec.secretFiles?.find((candidate) => candidate.name === file);
  if (!found) throw new Error(`${spec.name} has no secret file ${file}`);
  return new Promise((resolve) => found.value.apply(resolve));
}

/** The namespace and installation of the renders. */
export const unitNamespace = "unit";

/** The Kubernetes renderer of the unit namespace. */
export function unitRenderer(): KubernetesRenderer {
  return new KubernetesRenderer(unitContext);
}

/** The Kubernetes context of the unit namespace. */
export const unitContext = {
  namespace: unitNamespace,
  instance: "toolboxai-unit",
  ingressControllerNamespace: "ingress-nginx",
  ingress: { className: "nginx", tlsIssuer: "" },
  checksumKey: "unit-checksum-key",
  priorityClassNames: { critical: "unit-critical", standard: "unit-standard" },
};

/** What one component registered under the mocks, with lookups by Kubernetes kind and name. */
export interface Rendered {
  readonly resources: readonly RegisteredResource[];
  /** The Kubernetes objects, as their manifests. */
  objects(kind?: string): any[];
  /** The one object of `kind` named `name`; throws when there is none. */
  object(kind: string, name: string): any;
  /** The URN of the registered resource of `type` named `name`. */
  urnOf(type: string, name: string): string;
}

/** Renders what `construct` builds with the unit renderer, alone under the mock engine. */
export async function renderAlone(
  construct: (renderer: KubernetesRenderer) => void,
): Promise<Rendered> {
  const resources = await captureResources(() => construct(unitRenderer()));
  const objects = (kind?: string) =>
    resources
      .filter((resource) => resource.type.startsWith("kubernetes:"))
      .map((resource) => resource.inputs as any)
      .filter((manifest) => kind === undefined || manifest.kind === kind);
  return {
    resources,
    objects,
    object(kind, name) {
      const found = objects(kind).find((manifest) => manifest.metadata?.name === name);
      if (!found) throw new Error(`no ${kind} ${name} was rendered`);
      return found;
    },
    urnOf(type, name) {
      const found = resources.find((resource) => resource.type === type && resource.name === name);
      if (!found) throw new Error(`no ${type} ${name} was registered`);
      return found.urn;
    },
  };
}

/** The pod template of a rendered controller (a CronJob's through its job template). */
export function podOf(controller: any): any {
  return (controller.spec.jobTemplate?.spec ?? controller.spec).template.spec;
}

/** The container `name` of a rendered controller's pods. */
export function containerOf(controller: any, name: string): any {
  const containers: any[] = podOf(controller).containers;
  const found = containers.find((container: any) => container.name === name);
  if (!found) throw new Error(`no container ${name} in ${controller.metadata.name}`);
  return found;
}

/** The zones whose members a rendered NetworkPolicy admits on `port` (the zone labels' names). */
export function admittedZones(policy: any, port: string): string[] {
  return policy.spec.ingress
    .filter((rule: any) => rule.ports.some((candidate: any) => candidate.port === port))
    .flatMap((rule: any) => rule.from)
    .flatMap((peer: any) => Object.keys(peer.podSelector?.matchLabels ?? {}))
    .map((label: string) => label.replace("zone.toolboxai.io/", ""))
    .sort();
}

/**
 * A workload's secrets as the renderer delivers them: the Secret `<name>-secrets` holds each
 * value, the main container names each file by a `*_FILE` variable, and no value appears in
 * the controller (env, args, annotations).
 */
export function expectSecretsAsFiles(
  rendered: Rendered,
  kind: string,
  name: string,
  files: Readonly<Record<string, string>>,
): void {
  const secret = rendered.object("Secret", `${name}-secrets`);
  expect(secret.stringData).toMatchObject(files);
  const controller = rendered.object(kind, name);
  const main = podOf(controller).containers[0];
  for (const file of Object.keys(files)) {
    const variable = `${file.toUpperCase().replace(/[^A-Z0-9]/g, "_")}_FILE`;
    expect(main.env).toContainEqual({ name: variable, value: `/run/secrets/${file}` });
  }
  const manifest = JSON.stringify(controller);
  for (const value of Object.values(files)) expect(manifest).not.toContain(value);
  expect(manifest).not.toContain("secretKeyRef");
}
