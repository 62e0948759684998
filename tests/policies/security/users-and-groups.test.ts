// Users and groups: run-as-non-root and non-root-groups.
import { nonRootGroups, runAsNonRoot } from "../../../policies/security/users-and-groups";
import {
  compliantCronJob,
  compliantPod,
  compliantWorkloads,
  container,
  podContext,
  withInitContainer,
} from "../fixtures/security";
import { clone, compliantDeployment, messagesOf } from "../support";

describe("run-as-non-root", () => {
  test("the compliant fixtures pass, also when containers inherit everything from the pod", async () => {
    const pod = compliantPod();
    for (const field of ["runAsNonRoot", "runAsUser", "runAsGroup"]) {
      delete container(pod).securityContext[field];
    }
    expect(await messagesOf(runAsNonRoot, [...compliantWorkloads(), pod])).toEqual([]);
  });
  test("a UID below the minimum, and runAsNonRoot missing", async () => {
    const deployment = clone(compliantDeployment());
    delete deployment.spec.template.spec.securityContext.runAsNonRoot;
    delete container(deployment).securityContext.runAsNonRoot;
    container(deployment).securityContext.runAsUser = 999;
    expect(await messagesOf(runAsNonRoot, [deployment])).toEqual([
      'Deployment toolboxai/api: container "api" does not set runAsNonRoot: true (neither the container nor the pod does)',
      'Deployment toolboxai/api: container "api" runAsUser is 999; it must be at least 1001',
    ]);
  });
  test("a forbidden pod-level value is reported once for the pod, even when containers override it", async () => {
    const cronJob = compliantCronJob();
    podContext(cronJob).runAsNonRoot = false;
    podContext(cronJob).runAsUser = 0;
    delete container(cronJob).securityContext.runAsNonRoot;
    expect(await messagesOf(runAsNonRoot, [cronJob])).toEqual([
      "CronJob toolboxai/report: pod securityContext runAsNonRoot is false; it must be true",
      "CronJob toolboxai/report: pod securityContext runAsUser is 0; it must be at least 1001",
    ]);
  });
  test("runAsGroup set nowhere is reported for each container", async () => {
    const deployment = compliantDeployment();
    delete podContext(deployment).runAsGroup;
    delete container(deployment).securityContext.runAsGroup;
    delete withInitContainer(deployment).securityContext.runAsGroup;
    expect(await messagesOf(runAsNonRoot, [deployment])).toEqual([
      'Deployment toolboxai/api: container "api" runAsGroup is unset (neither the container nor the pod sets it); it must be at least 1001',
      'Deployment toolboxai/api: initContainer "migrate" runAsGroup is unset (neither the container nor the pod sets it); it must be at least 1001',
    ]);
  });
  test("the minimum is configurable, and an exemption is honoured and reported", async () => {
    const deployment = clone(compliantDeployment());
    expect(
      await messagesOf(runAsNonRoot, [deployment], { "run-as-non-root": { minimumId: 10000 } }),
    ).toEqual([
      "Deployment toolboxai/api: pod securityContext runAsUser is 1001; it must be at least 10000",
      'Deployment toolboxai/api: container "api" runAsUser is 1001; it must be at least 10000',
      "Deployment toolboxai/api: pod securityContext runAsGroup is 1001; it must be at least 10000",
      'Deployment toolboxai/api: container "api" runAsGroup is 1001; it must be at least 10000',
    ]);
    const exempt = {
      "run-as-non-root": {
        minimumId: 10000,
        exemptions: [{ kind: "Deployment", name: "api", reason: "vendor image needs UID 1001" }],
      },
    };
    expect(await messagesOf(runAsNonRoot, [deployment], exempt)).toEqual([]);
  });
});

describe("non-root-groups", () => {
  test("the compliant fixtures pass, and unset groups are fine", async () => {
    const pod = compliantPod();
    delete pod.spec.securityContext.fsGroup;
    expect(await messagesOf(nonRootGroups, [...compliantWorkloads(), pod])).toEqual([]);
  });
  test("fsGroup 0 and supplemental groups below the minimum are reported", async () => {
    const deployment = compliantDeployment();
    podContext(deployment).fsGroup = 0;
    podContext(deployment).supplementalGroups = [0, 2000, 500];
    expect(await messagesOf(nonRootGroups, [deployment])).toEqual([
      "Deployment toolboxai/api: pod securityContext fsGroup is 0; it must be at least 1001",
      "Deployment toolboxai/api: pod securityContext supplementalGroups has 0; every group must be at least 1001",
      "Deployment toolboxai/api: pod securityContext supplementalGroups has 500; every group must be at least 1001",
    ]);
  });
  test("the minimum is configurable", async () => {
    const cronJob = compliantCronJob();
    podContext(cronJob).supplementalGroups = [500];
    const config = { "non-root-groups": { minimumId: 100 } };
    expect(await messagesOf(nonRootGroups, [cronJob], config)).toEqual([]);
    expect(await messagesOf(nonRootGroups, [cronJob])).toEqual([
      "CronJob toolboxai/report: pod securityContext supplementalGroups has 500; every group must be at least 1001",
    ]);
  });
});
