// Capabilities and privilege escalation: drop ALL, no dangerous capability, no escalation.
import {
  capabilitiesDropAll,
  noDangerousCapabilities,
  noPrivilegeEscalation,
} from "../../../policies/security/capabilities";
import {
  compliantCronJob,
  compliantPod,
  compliantStatefulSet,
  compliantWorkloads,
  container,
  withInitContainer,
} from "../fixtures/security";
import { compliantDeployment, messagesOf } from "../support";

describe("capabilities-drop-all", () => {
  test("the compliant fixtures pass, and NET_BIND_SERVICE may be added back", async () => {
    const deployment = compliantDeployment();
    container(deployment).securityContext.capabilities.add = ["NET_BIND_SERVICE"];
    expect(await messagesOf(capabilitiesDropAll, [...compliantWorkloads(), deployment])).toEqual(
      [],
    );
  });
  test("names are compared as Pod Security compares them: all, CAP_ and lower case are refused", async () => {
    const pod = compliantPod();
    container(pod).securityContext.capabilities = {
      drop: ["all", "CAP_ALL"],
      add: ["CAP_NET_BIND_SERVICE", "net_bind_service"],
    };
    expect(await messagesOf(capabilitiesDropAll, [pod])).toEqual([
      'Pod toolboxai/api: container "api" does not drop ALL capabilities (drop: all, CAP_ALL); ' +
        'Pod Security "restricted" accepts only the exact name ALL, not "all", "CAP_ALL"; set ' +
        'capabilities.drop: ["ALL"]',
      'Pod toolboxai/api: container "api" adds CAP_NET_BIND_SERVICE, net_bind_service; only ' +
        "NET_BIND_SERVICE may be added back",
    ]);
  });
  test("not dropping ALL, and adding a capability off the allow-list", async () => {
    const cronJob = compliantCronJob();
    container(cronJob).securityContext.capabilities = { drop: ["NET_RAW"], add: ["SYS_TIME"] };
    delete withInitContainer(cronJob).securityContext.capabilities;
    expect(await messagesOf(capabilitiesDropAll, [cronJob])).toEqual([
      'CronJob toolboxai/report: container "report" does not drop ALL capabilities (drop: NET_RAW); set capabilities.drop: ["ALL"]',
      'CronJob toolboxai/report: container "report" adds SYS_TIME; only NET_BIND_SERVICE may be added back',
      'CronJob toolboxai/report: initContainer "migrate" does not drop ALL capabilities (drop: none); set capabilities.drop: ["ALL"]',
    ]);
  });
  test("the allow-list is configurable", async () => {
    const deployment = compliantDeployment();
    container(deployment).securityContext.capabilities.add = ["NET_BIND_SERVICE", "SYS_TIME"];
    expect(
      await messagesOf(capabilitiesDropAll, [deployment], {
        "capabilities-drop-all": { allowedCapabilities: ["SYS_TIME"] },
      }),
    ).toEqual([
      'Deployment toolboxai/api: container "api" adds NET_BIND_SERVICE; only SYS_TIME may be added back',
    ]);
    expect(
      await messagesOf(capabilitiesDropAll, [deployment], {
        "capabilities-drop-all": { allowedCapabilities: [] },
      }),
    ).toEqual([
      'Deployment toolboxai/api: container "api" adds NET_BIND_SERVICE, SYS_TIME; none may be added',
    ]);
  });
});

describe("no-dangerous-capabilities", () => {
  test("the compliant fixtures pass, and harmless additions are not this policy's concern", async () => {
    const deployment = compliantDeployment();
    container(deployment).securityContext.capabilities.add = ["NET_BIND_SERVICE", "CHOWN"];
    expect(
      await messagesOf(noDangerousCapabilities, [...compliantWorkloads(), deployment]),
    ).toEqual([]);
  });
  test("each dangerous capability is reported, with or without the CAP_ prefix", async () => {
    const pod = compliantPod();
    container(pod).securityContext.capabilities.add = ["SYS_ADMIN", "CAP_NET_RAW", "CHOWN", "all"];
    expect(await messagesOf(noDangerousCapabilities, [pod])).toEqual([
      'Pod toolboxai/api: container "api" adds the dangerous capability SYS_ADMIN',
      'Pod toolboxai/api: container "api" adds the dangerous capability CAP_NET_RAW',
      'Pod toolboxai/api: container "api" adds the dangerous capability all',
    ]);
  });
  test("the forbidden list is configurable", async () => {
    const pod = compliantPod();
    container(pod).securityContext.capabilities.add = ["SYS_ADMIN", "CHOWN"];
    const config = { "no-dangerous-capabilities": { forbiddenCapabilities: ["CAP_CHOWN"] } };
    expect(await messagesOf(noDangerousCapabilities, [pod], config)).toEqual([
      'Pod toolboxai/api: container "api" adds the dangerous capability CHOWN',
    ]);
  });
});

describe("no-privilege-escalation", () => {
  test("the compliant fixtures pass", async () => {
    expect(await messagesOf(noPrivilegeEscalation, compliantWorkloads())).toEqual([]);
  });
  test("true, and unset (which defaults to true), are reported", async () => {
    const statefulSet = compliantStatefulSet();
    container(statefulSet).securityContext.allowPrivilegeEscalation = true;
    delete withInitContainer(statefulSet).securityContext.allowPrivilegeEscalation;
    expect(await messagesOf(noPrivilegeEscalation, [statefulSet])).toEqual([
      'StatefulSet toolboxai/postgres: container "postgres" allowPrivilegeEscalation is true; it must be false',
      'StatefulSet toolboxai/postgres: initContainer "migrate" allowPrivilegeEscalation is unset (defaults to true); it must be false',
    ]);
  });
});
