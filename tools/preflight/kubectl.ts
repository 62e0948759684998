// The cluster as kubectl sees it: the user's kubeconfig (KUBECONFIG or ~/.kube/config), the
// stack's context, and every authentication plugin kubectl supports. Only `get` is ever run.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import * as path from "node:path";
import type { ClusterReader, KubeObject } from "./requirements";

/** The cluster could not be asked (no kubectl, unreachable, forbidden): not a missing piece. */
export class ClusterError extends Error {}

/** kubectl's answers that mean "there is no such object" rather than "cannot tell". */
function isAbsent(stderr: string): boolean {
  return /\(NotFound\)|doesn't have a resource type|the server could not find the requested resource/.test(
    stderr,
  );
}

export function kubectlReader(
  options: {
    readonly kubectl?: string;
    /** Default: kubectl's own choice (KUBECONFIG, or ~/.kube/config). */
    readonly kubeconfig?: string;
    /** Default: the kubeconfig's current context. */
    readonly context?: string;
    /** KUBECTL, and where kubectl looks for its kubeconfig; default this process's environment. */
    readonly environment?: Readonly<Record<string, string | undefined>>;
  } = {},
): ClusterReader {
  const environment = options.environment ?? process.env;
  const kubectl = options.kubectl ?? environment.KUBECTL ?? "kubectl";
  const missing = missingKubeconfig(options.kubeconfig, environment);
  const base = [
    ...(options.kubeconfig ? ["--kubeconfig", options.kubeconfig] : []),
    ...(options.context ? ["--context", options.context] : []),
  ];
  const run = (args: readonly string[]) =>
    new Promise<{ ok: true; json: unknown } | { ok: false; stderr: string }>((resolve, reject) => {
      execFile(
        kubectl,
        [...base, "get", ...args, "-o", "json"],
        { maxBuffer: 64 * 1024 * 1024, timeout: 30_000 },
        (error, stdout, stderr) => {
          if (!error) return resolve({ ok: true, json: JSON.parse(stdout) });
          if ((error as NodeJS.ErrnoException).code === "ENOENT") {
            return reject(
              new ClusterError(
                `cannot run ${kubectl}: install kubectl, or point KUBECTL at it (https://kubernetes.io/docs/tasks/tools/)`,
              ),
            );
          }
          if (isAbsent(stderr)) return resolve({ ok: false, stderr });
          // kubectl repeats its connection errors; the last line says it best.
          const reason = stderr.trim().split("\n").at(-1) || error.message;
          if (missing !== undefined) return reject(new ClusterError(`${missing} (${reason})`));
          reject(
            new ClusterError(
              `cannot ask the cluster (kubectl ${[...base, "get", ...args].join(" ")}): ${reason}`,
            ),
          );
        },
      );
    });
  return {
    async get(resource, name, namespace) {
      const result = await run([resource, name, ...(namespace ? ["-n", namespace] : [])]);
      return result.ok ? (result.json as KubeObject) : undefined;
    },
    async list(resource, query = {}) {
      const result = await run([
        resource,
        ...(query.namespace ? ["-n", query.namespace] : []),
        ...(query.selector ? ["-l", query.selector] : []),
      ]);
      return result.ok ? ((result.json as { items?: KubeObject[] }).items ?? []) : [];
    },
  };
}

/**
 * Why kubectl has no cluster to ask, or undefined: no kubeconfig file where it looks (KUBECONFIG's
 * files, else ~/.kube/config) and not inside a pod (where it uses the pod's ServiceAccount).
 * kubectl then asks localhost:8080 and says only that the connection was refused.
 */
function missingKubeconfig(
  kubeconfig: string | undefined,
  environment: Readonly<Record<string, string | undefined>>,
): string | undefined {
  if (kubeconfig !== undefined || environment.KUBERNETES_SERVICE_HOST) return undefined;
  const files = environment.KUBECONFIG
    ? environment.KUBECONFIG.split(path.delimiter).filter((file) => file !== "")
    : [path.join(environment.HOME ?? homedir(), ".kube", "config")];
  if (files.some((file) => existsSync(file))) return undefined;
  const where = environment.KUBECONFIG
    ? `KUBECONFIG names ${files.join(", ")}, and none exists`
    : `KUBECONFIG is not set and ${files[0]} does not exist`;
  return (
    `no kubeconfig: ${where}. Point KUBECONFIG at your cluster's kubeconfig; the stack's ` +
    "toolboxai:kubernetesContext (in Pulumi.<stack>.yaml) picks its context, empty for the " +
    "current one"
  );
}
