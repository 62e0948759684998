// Cross-field rules, checked once the schema passed: pure functions returning ConfigProblems.
import { singletonServices } from "./defaults";
import { fullKey, projectName, show, type ConfigProblem } from "./problems";
import { parseCpu, parseMemory } from "./quantity";
import {
  backupBucketSecretKeys,
  stackConfigSchema,
  type ServiceName,
  type StackConfig,
} from "./schema";
import type { ServiceSettings } from "./types";

/**
 * The bucket's credentials are read only with S3 storage: set without it, they are refused. Not
 * set with it, they are a deploy-time requirement (./examples: `pulumi up` refuses, `pulumi
 * preview` warns), so that a stack file with a bucket previews before its secrets exist.
 */
export function backupBucketProblems(config: StackConfig): ConfigProblem[] {
  if (config.backup?.storage.type === "s3") return [];
  return backupBucketSecretKeys
    .filter((key) => config[key] !== "")
    .map((key) => ({
      key: `${projectName}:${key}`,
      shownValue: "[secret]",
      message: "is set, but backup.storage.type is not s3: nothing reads it; remove it",
    }));
}

/** Keys only the Kubernetes form reads (its provider, its Ingress, `npm run e2e`'s settings). */
export const kubernetesOnlyKeys = [
  "database",
  "delivery",
  "redis",
  "kubernetesContext",
  "renderDir",
  "ingressClassName",
  "ingressControllerNamespace",
  "tlsIssuer",
  "admissionPolicies",
] as const;

/** The value a top-level key has when no stack sets it. */
function defaultOf(key: keyof StackConfig): unknown {
  return stackConfigSchema.shape[key].safeParse(undefined).data;
}

/**
 * A key the chosen platform does not read is refused when it differs from its default, not
 * ignored: a stack that sets `tlsIssuer` on Docker expects HTTPS and would get none. (The engine
 * hands the program Pulumi.yaml's defaults too, so "set" means "not the default".)
 */
export function platformProblems(config: StackConfig): ConfigProblem[] {
  const unread: (keyof StackConfig)[] =
    config.platform === "docker" ? [...kubernetesOnlyKeys] : ["docker"];
  const other = config.platform === "docker" ? "kubernetes" : "docker";
  return unread
    .filter((key) => JSON.stringify(config[key]) !== JSON.stringify(defaultOf(key)))
    .map((key) => ({
      key: `${projectName}:${key}`,
      // A mapping (docker) is named, not shown: its defaults would be shown with it.
      ...(typeof config[key] === "object" ? {} : { shownValue: show(config[key]) }),
      message:
        `is set, but platform is ${config.platform}: nothing reads it; remove it ` +
        `(it applies to platform: ${other})`,
    }));
}

/**
 * A built image is tagged with the image's version and, on Kubernetes, pushed: a cluster pulls
 * from a registry, never from the engine that built it.
 */
export function buildProblems(
  name: string,
  settings: ServiceSettings,
  config: Pick<StackConfig, "platform" | "imageRegistry">,
): ConfigProblem[] {
  if (!settings.build) return [];
  const { repository, tag } = settings.image;
  const problems: ConfigProblem[] = [];
  if (tag === undefined) {
    problems.push({
      key: fullKey(["services", name, "image", "tag"]),
      message: "is required with build: the built image is tagged with this version",
    });
  }
  if (config.platform === "kubernetes" && config.imageRegistry === "") {
    problems.push({
      key: fullKey(["services", name, "build"]),
      message:
        "needs toolboxai:imageRegistry on platform kubernetes: a cluster pulls images from a " +
        "registry, not from the engine that built them",
    });
  }
  if (config.imageRegistry !== "" && !repository.startsWith(`${config.imageRegistry}/`)) {
    problems.push({
      key: fullKey(["services", name, "image", "repository"]),
      shownValue: show(repository),
      message: `must be in the registry built images are pushed to (${config.imageRegistry}/…)`,
    });
  }
  return problems;
}

/** Cross-field rules of one service, as pure data for the error. */
export function checkService(name: string, settings: ServiceSettings): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const { requests, limits } = settings.resources;
  if ((parseCpu(limits.cpu) ?? 0) < (parseCpu(requests.cpu) ?? 0)) {
    problems.push({
      key: fullKey(["services", name, "resources", "limits", "cpu"]),
      shownValue: show(limits.cpu),
      message: `must be at least the CPU request (${requests.cpu})`,
    });
  }
  if ((parseMemory(limits.memory) ?? 0) < (parseMemory(requests.memory) ?? 0)) {
    problems.push({
      key: fullKey(["services", name, "resources", "limits", "memory"]),
      shownValue: show(limits.memory),
      message: `must be at least the memory request (${requests.memory})`,
    });
  }
  const autoscaling = settings.autoscaling;
  if (singletonServices.has(name as ServiceName)) {
    if (settings.replicas !== 1) {
      problems.push({
        key: fullKey(["services", name, "replicas"]),
        shownValue: show(settings.replicas),
        message: "must be 1: this service runs as a single pod",
      });
    }
    if (autoscaling) {
      problems.push({
        key: fullKey(["services", name, "autoscaling"]),
        message: "is not allowed: this service runs as a single pod",
      });
    }
  }
  if (autoscaling && autoscaling.maxReplicas < autoscaling.minReplicas) {
    problems.push({
      key: fullKey(["services", name, "autoscaling", "maxReplicas"]),
      shownValue: show(autoscaling.maxReplicas),
      message: `must be at least minReplicas (${autoscaling.minReplicas})`,
    });
  }
  return problems;
}
