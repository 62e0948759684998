// Resource limits: memory, CPU and the number of processes.
import { containerRule } from "../lib/docker";

/* eslint-disable @typescript-eslint/no-explicit-any -- policy props are untyped JSON */

export const dockerResourceLimits = containerRule({
  name: "docker-resource-limits",
  description:
    "Docker containers have a memory limit and a CPU limit (CIS Docker 5.11/5.12; " +
    "memory-limit / cpu-limit).",
  severity: "medium",
  enforcementLevel: "mandatory",
  remediationSteps:
    'Set `memory` (MB) and `cpus` (e.g. "1.0") or `cpuQuota`; `cpuShares` is only a relative ' +
    "weight, not a limit.",
  check: (props) => {
    const messages: string[] = [];
    if (!(typeof props.memory === "number" && props.memory > 0)) {
      messages.push(`memory is ${props.memory ?? "unset"}; set a memory limit in MB`);
    }
    const cpus = Number(props.cpus);
    const quota = Number(props.cpuQuota);
    if (!(cpus > 0) && !(quota > 0)) {
      messages.push(
        `has no CPU limit (cpus is ${props.cpus === undefined ? "unset" : `"${props.cpus}"`}); ` +
          `set cpus (e.g. "1.0") or cpuQuota, cpuShares is only a relative weight`,
      );
    }
    return messages;
  },
});

export const dockerPidsLimit = containerRule({
  name: "docker-pids-limit",
  description:
    "Docker containers limit the number of processes, against fork bombs (CIS Docker 5.29; " +
    "pids-limit). @pulumi/docker has no pids_limit input, so the limit is the `nproc` ulimit.",
  severity: "medium",
  enforcementLevel: "mandatory",
  remediationSteps:
    'Add `ulimits: [{ name: "nproc", soft: 512, hard: 512 }]` (positive soft and hard limits, ' +
    "soft ≤ hard), sized for the process's threads.",
  check: (props) => {
    const nproc = [...(props.ulimits ?? [])].find((limit: any) => limit?.name === "nproc");
    if (!nproc) {
      return ['sets no process limit; add ulimits [{ name: "nproc", soft: N, hard: N }], N > 0'];
    }
    const soft = Number(nproc.soft);
    const hard = Number(nproc.hard);
    if (!(soft > 0 && hard > 0 && soft <= hard)) {
      return [
        `ulimit nproc is soft ${nproc.soft}, hard ${nproc.hard}; both must be positive with ` +
          `soft ≤ hard`,
      ];
    }
    return [];
  },
});
