// The local control plane's binaries for the cluster tests (scripts/control-plane.sh): where they
// are, and a describe that skips a file's tests when they are not built, except under CI=true,
// where a missing build fails the tests instead.
import { execFileSync, spawnSync } from "node:child_process";
import * as path from "node:path";
import { projectRoot } from "../../tools/project-root";
import { freePort } from "../support/free-port";

export const controlPlaneScript = path.join(projectRoot, "scripts", "control-plane.sh");

const built = spawnSync("bash", [controlPlaneScript, "bin"], { encoding: "utf8" });

/** The folder of kubectl, kube-apiserver and etcd; undefined when they are not built. */
export const controlPlaneBin = built.status === 0 ? built.stdout.trim() : undefined;

/** The binaries' folder, or an error saying why there is none (under CI=true). */
export function requireControlPlaneBin(): string {
  if (!controlPlaneBin) {
    throw new Error(`CI=true: ${built.stderr || "the control plane is not built"}`);
  }
  return controlPlaneBin;
}

/** `describe`, or `describe.skip` with a warning naming `what` when the binaries are not built. */
export function describeWithControlPlane(what: string): jest.Describe {
  if (controlPlaneBin !== undefined || process.env.CI === "true") return describe;
  console.warn(
    `Skipping ${what} (it runs when CI=true): the local control plane is not built ` +
      "(bash scripts/control-plane.sh build)",
  );
  return describe.skip;
}

/**
 * Starts a control plane in `dir` (`flags`: `--kcm`) on free ports of its own: another test
 * file, or a node already running on this machine, may hold the script's default ones.
 */
export async function startControlPlane(dir: string, ...flags: string[]): Promise<void> {
  const [api, etcd, peer] = [await freePort(), await freePort(), await freePort()];
  execFileSync("bash", [controlPlaneScript, "start", dir, ...flags], {
    stdio: "pipe",
    env: { ...process.env, API_PORT: `${api}`, ETCD_PORT: `${etcd}`, ETCD_PEER_PORT: `${peer}` },
  });
}
