// pod-spec-well-formed: a compliant pod spec passes; each malformed list or mapping is reported.
import { topologySpread } from "../../../policies/availability";
import { envNoDuplicates } from "../../../policies/hygiene";
import { policies } from "../../../policies/pack";
import { ephemeralStorage } from "../../../policies/resources";
import { runPolicies } from "../../../policies/runner";
import { securityPolicies } from "../../../policies/security";
import { podSpecWellFormed } from "../../../policies/security/well-formed";
import {
  compliantCronJob,
  compliantPod,
  compliantWorkloads,
  container,
  specOf,
} from "../fixtures/security";
import { clone, compliantDeployment, messagesOf, resourceOf } from "../support";

describe("pod-spec-well-formed", () => {
  test("the compliant fixtures pass", async () => {
    expect(await messagesOf(podSpecWellFormed, compliantWorkloads())).toEqual([]);
  });

  test("lists that are no lists are reported, not crashed on, and not passed", async () => {
    const pod = compliantPod();
    const privileged = { ...clone(container(pod)), name: "api" };
    privileged.securityContext.privileged = true;
    pod.spec.containers = { api: privileged };
    pod.spec.volumes = "hostPath: /";
    pod.spec.tolerations = { operator: "Exists" };
    pod.spec.securityContext.sysctls = { "kernel.msgmax": "65536" };
    // The whole pack runs: no policy throws on the mapping.
    const findings = await runPolicies(securityPolicies, [resourceOf(pod)]);
    expect(
      findings
        .filter((finding) => finding.policy === "pod-spec-well-formed")
        .map((finding) => [finding.enforcement, finding.message]),
    ).toEqual([
      [
        "mandatory",
        "Pod toolboxai/api: spec.containers is a mapping (keys: api); it must be a list",
      ],
      [
        "mandatory",
        "Pod toolboxai/api: spec.volumes is a string (11 characters); it must be a list",
      ],
      [
        "mandatory",
        "Pod toolboxai/api: spec.tolerations is a mapping (keys: operator); it must be a list",
      ],
      [
        "mandatory",
        "Pod toolboxai/api: spec.securityContext.sysctls is a mapping (keys: kernel.msgmax); it must be a list",
      ],
    ]);
  });

  test("malformed containers, their lists, securityContexts and capabilities are reported", async () => {
    const deployment = compliantDeployment();
    const spec = specOf(deployment);
    spec.securityContext = "restricted";
    spec.initContainers = ["migrate", 7, null];
    const api = container(deployment);
    api.ports = { http: 8009 };
    api.env = "PASSWORD=hunter2";
    api.securityContext.capabilities = { drop: "ALL", add: [{ name: "SYS_ADMIN" }] };
    const sidecar = { ...clone(api), name: "sidecar", ports: [], env: [] };
    sidecar.securityContext = ["privileged"];
    spec.containers.push(sidecar);
    expect(await messagesOf(podSpecWellFormed, [deployment])).toEqual([
      "Deployment toolboxai/api: spec.template.spec.securityContext is a string (10 characters); it must be a mapping",
      'Deployment toolboxai/api: container "api" ports is a mapping (keys: http); it must be a list',
      'Deployment toolboxai/api: container "api" env is a string (16 characters); it must be a list',
      'Deployment toolboxai/api: container "api" securityContext.capabilities.add is a list with an entry that is no string; it must be a list of names',
      'Deployment toolboxai/api: container "api" securityContext.capabilities.drop is a string (3 characters); it must be a list of names',
      'Deployment toolboxai/api: container "sidecar" securityContext is a list; it must be a mapping',
      "Deployment toolboxai/api: spec.template.spec.initContainers[0] is a string (7 characters); it must be a mapping",
      "Deployment toolboxai/api: spec.template.spec.initContainers[1] is the number 7; it must be a mapping",
      "Deployment toolboxai/api: spec.template.spec.initContainers[2] is null; it must be a mapping",
    ]);
  });

  test("rules of other domains read a malformed list as empty instead of crashing", async () => {
    const deployment = compliantDeployment();
    const spec = specOf(deployment);
    spec.volumes = { tmp: { emptyDir: {} } };
    spec.topologySpreadConstraints = "hostname";
    spec.initContainers = [null];
    Object.assign(container(deployment), { env: { A: "1" }, volumeMounts: "tmp" });
    const pack = [ephemeralStorage, envNoDuplicates, topologySpread, podSpecWellFormed];
    const findings = await runPolicies(pack, [resourceOf(deployment)]);
    expect(findings.map((finding) => `${finding.policy}: ${finding.message}`)).toEqual([
      "pod-spec-well-formed: Deployment toolboxai/api: spec.template.spec.volumes is a mapping (keys: tmp); it must be a list",
      "pod-spec-well-formed: Deployment toolboxai/api: spec.template.spec.topologySpreadConstraints is a string (8 characters); it must be a list",
      'pod-spec-well-formed: Deployment toolboxai/api: container "api" env is a mapping (keys: A); it must be a list',
      'pod-spec-well-formed: Deployment toolboxai/api: container "api" volumeMounts is a string (3 characters); it must be a list',
      "pod-spec-well-formed: Deployment toolboxai/api: spec.template.spec.initContainers[0] is null; it must be a mapping",
      // Read as no constraint: reported, which is what an unreadable list deserves.
      "topology-spread: Deployment toolboxai/api: runs 2 replicas but sets neither " +
        "topologySpreadConstraints nor podAntiAffinity, so all replicas may land on one node",
    ]);
  });
  test("no policy of the pack crashes on a pod spec's lists written as mappings", async () => {
    const deployment = compliantDeployment();
    specOf(deployment).volumes = { data: { persistentVolumeClaim: { claimName: "data" } } };
    Object.assign(container(deployment), {
      env: { A: "1" },
      envFrom: { secretRef: { name: "s" } },
      volumeMounts: { data: "/data" },
      ports: { http: 8009 },
    });
    const service = {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "api", namespace: "toolboxai" },
      spec: {
        selector: deployment.spec.selector.matchLabels,
        ports: [{ port: 80, targetPort: "http" }],
      },
    };
    const findings = await runPolicies(policies, [resourceOf(deployment), resourceOf(service)], {
      packEnforcementLevel: "mandatory",
    });
    expect(
      findings
        .filter((finding) => finding.policy === "pod-spec-well-formed")
        .map((finding) => finding.message),
    ).toEqual([
      "Deployment toolboxai/api: spec.template.spec.volumes is a mapping (keys: data); it must be a list",
      'Deployment toolboxai/api: container "api" ports is a mapping (keys: http); it must be a list',
      'Deployment toolboxai/api: container "api" env is a mapping (keys: A); it must be a list',
      'Deployment toolboxai/api: container "api" envFrom is a mapping (keys: secretRef); it must be a list',
      'Deployment toolboxai/api: container "api" volumeMounts is a mapping (keys: data); it must be a list',
    ]);
  });
  test("a pod spec that is not a mapping is reported with where it sits", async () => {
    const cronJob = compliantCronJob();
    cronJob.spec.jobTemplate.spec.template.spec = ["containers"];
    expect(await messagesOf(podSpecWellFormed, [cronJob])).toEqual([
      "CronJob toolboxai/report: spec.jobTemplate.spec.template.spec is a list; it must be a mapping",
    ]);
  });
});
