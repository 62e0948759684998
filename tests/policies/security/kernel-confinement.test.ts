// Kernel confinement: seccomp, AppArmor (and their annotations during a preview), SELinux,
// procMount and sysctls.
import type { ResourceValidationPolicy } from "@pulumi/policy";
import {
  appArmorProfile,
  procMountDefault,
  safeSysctls,
  seccompProfile,
  seLinuxOptions,
} from "../../../policies/security/kernel-confinement";
import {
  compliantCronJob,
  compliantPod,
  compliantStatefulSet,
  compliantWorkloads,
  container,
  podContext,
} from "../fixtures/security";
import { compliantDeployment, findingsOf, messagesOf, unknownMarker } from "../support";

describe("seccomp-profile", () => {
  test("the compliant fixtures pass, and a Localhost profile inherited from the pod is fine", async () => {
    const pod = compliantPod();
    pod.spec.securityContext.seccompProfile = { type: "Localhost", localhostProfile: "app.json" };
    delete container(pod).securityContext.seccompProfile;
    expect(await messagesOf(seccompProfile, [...compliantWorkloads(), pod])).toEqual([]);
  });
  test("no profile anywhere is reported for each container", async () => {
    const deployment = compliantDeployment();
    delete podContext(deployment).seccompProfile;
    delete container(deployment).securityContext.seccompProfile;
    expect(await messagesOf(seccompProfile, [deployment])).toEqual([
      'Deployment toolboxai/api: container "api" has no seccompProfile (neither the container nor the pod sets one); set type RuntimeDefault or Localhost',
    ]);
  });
  test("Unconfined, Localhost without a profile, and unconfined annotations are reported", async () => {
    const cronJob = compliantCronJob();
    podContext(cronJob).seccompProfile = { type: "Unconfined" };
    container(cronJob).securityContext.seccompProfile = { type: "Localhost" };
    cronJob.spec.jobTemplate.spec.template.metadata.annotations = {
      "seccomp.security.alpha.kubernetes.io/pod": "unconfined",
      "container.seccomp.security.alpha.kubernetes.io/report": "runtime/default",
    };
    expect(await messagesOf(seccompProfile, [cronJob])).toEqual([
      'CronJob toolboxai/report: pod securityContext seccompProfile.type is "Unconfined"; it must be RuntimeDefault or Localhost',
      'CronJob toolboxai/report: container "report" seccompProfile.type is Localhost without a localhostProfile',
      'CronJob toolboxai/report: annotation seccomp.security.alpha.kubernetes.io/pod is "unconfined"; remove it and set seccompProfile',
    ]);
  });
  test("the allowed types are configurable", async () => {
    const config = { "seccomp-profile": { allowedTypes: ["Localhost"] } };
    expect(await messagesOf(seccompProfile, [compliantDeployment()], config)).toEqual([
      'Deployment toolboxai/api: pod securityContext seccompProfile.type is "RuntimeDefault"; it must be Localhost',
      'Deployment toolboxai/api: container "api" seccompProfile.type is "RuntimeDefault"; it must be Localhost',
    ]);
  });
});

describe("apparmor-profile", () => {
  test("the compliant fixtures pass, with allowed profiles and annotations", async () => {
    const deployment = compliantDeployment();
    podContext(deployment).appArmorProfile = { type: "RuntimeDefault" };
    container(deployment).securityContext.appArmorProfile = {
      type: "Localhost",
      localhostProfile: "k8s-api",
    };
    deployment.spec.template.metadata.annotations = {
      "container.apparmor.security.beta.kubernetes.io/api": "localhost/k8s-api",
      "container.apparmor.security.beta.kubernetes.io/sidecar": "runtime/default",
    };
    expect(await messagesOf(appArmorProfile, [...compliantWorkloads(), deployment])).toEqual([]);
  });
  test("Unconfined profiles, Localhost without a profile, and unconfined annotations", async () => {
    const pod = compliantPod();
    pod.spec.securityContext.appArmorProfile = { type: "Localhost" };
    container(pod).securityContext.appArmorProfile = { type: "Unconfined" };
    pod.metadata.annotations = {
      "container.apparmor.security.beta.kubernetes.io/api": "unconfined",
      "container.apparmor.security.beta.kubernetes.io/debug": "docker/default",
      "example.com/other": "unconfined",
    };
    expect(await messagesOf(appArmorProfile, [pod])).toEqual([
      "Pod toolboxai/api: pod securityContext appArmorProfile.type is Localhost without a localhostProfile",
      'Pod toolboxai/api: container "api" appArmorProfile.type is "Unconfined"; it must be RuntimeDefault or Localhost',
      'Pod toolboxai/api: container "api" AppArmor annotation is "unconfined"; it must be runtime/default or localhost/<profile>',
      'Pod toolboxai/api: container "debug" AppArmor annotation is "docker/default"; it must be runtime/default or localhost/<profile>',
    ]);
  });
});

describe("annotations unknown during a preview", () => {
  // Until the generated passwords exist, the secret checksum on every pod template is unknown;
  // the engine skips, as an advisory "can't run", a policy that reads it.
  const checksum = "checksum.toolboxai.io/secrets";
  const withUnknownChecksum = (annotations: Record<string, string> = {}) => {
    const deployment = compliantDeployment();
    deployment.spec.template.metadata.annotations = { [checksum]: unknownMarker, ...annotations };
    return deployment;
  };

  test("the fixture's unknown value does stop a policy that reads every annotation", async () => {
    const readsAll: ResourceValidationPolicy = {
      name: "reads-all-annotations",
      description: "test",
      enforcementLevel: "mandatory",
      validateResource: (args) => {
        Object.entries(args.props.spec.template.metadata.annotations);
      },
    };
    expect(await messagesOf(readsAll, [withUnknownChecksum()])).toEqual([
      "can't run policy 'reads-all-annotations' during preview: string value at " +
        `.spec.template.metadata.annotations.${checksum} can't be known during preview`,
    ]);
  });

  test("seccomp-profile and apparmor-profile still run, and still find what they look for", async () => {
    expect(await findingsOf(seccompProfile, [withUnknownChecksum()])).toEqual([]);
    expect(await findingsOf(appArmorProfile, [withUnknownChecksum()])).toEqual([]);
    const unconfined = withUnknownChecksum({
      "seccomp.security.alpha.kubernetes.io/pod": "unconfined",
      "container.apparmor.security.beta.kubernetes.io/api": "unconfined",
    });
    const seccomp = await findingsOf(seccompProfile, [unconfined]);
    expect(seccomp.map((finding) => [finding.enforcement, finding.message])).toEqual([
      [
        "mandatory",
        'Deployment toolboxai/api: annotation seccomp.security.alpha.kubernetes.io/pod is "unconfined"; remove it and set seccompProfile',
      ],
    ]);
    const appArmor = await findingsOf(appArmorProfile, [unconfined]);
    expect(appArmor.map((finding) => [finding.enforcement, finding.message])).toEqual([
      [
        "mandatory",
        'Deployment toolboxai/api: container "api" AppArmor annotation is "unconfined"; it must be runtime/default or localhost/<profile>',
      ],
    ]);
  });

  test("an unknown AppArmor or seccomp annotation itself still cannot be checked", async () => {
    const appArmorKey = "container.apparmor.security.beta.kubernetes.io/api";
    const seccompKey = "seccomp.security.alpha.kubernetes.io/pod";
    expect(
      await messagesOf(appArmorProfile, [withUnknownChecksum({ [appArmorKey]: unknownMarker })]),
    ).toEqual([
      "can't run policy 'apparmor-profile' during preview: string value at " +
        `.spec.template.metadata.annotations.${appArmorKey} can't be known during preview`,
    ]);
    expect(
      await messagesOf(seccompProfile, [withUnknownChecksum({ [seccompKey]: unknownMarker })]),
    ).toEqual([
      "can't run policy 'seccomp-profile' during preview: string value at " +
        `.spec.template.metadata.annotations.${seccompKey} can't be known during preview`,
    ]);
  });
});

describe("selinux-options", () => {
  test("the compliant fixtures pass, and an allowed type with a level is fine", async () => {
    const deployment = compliantDeployment();
    container(deployment).securityContext.seLinuxOptions = {
      type: "container_t",
      level: "s0:c123,c456",
    };
    expect(await messagesOf(seLinuxOptions, [...compliantWorkloads(), deployment])).toEqual([]);
  });
  test("a type off the list, a user and a role are reported where they are set", async () => {
    const statefulSet = compliantStatefulSet();
    podContext(statefulSet).seLinuxOptions = { type: "spc_t" };
    container(statefulSet).securityContext.seLinuxOptions = { user: "system_u", role: "sysadm_r" };
    expect(await messagesOf(seLinuxOptions, [statefulSet])).toEqual([
      'StatefulSet toolboxai/postgres: pod securityContext seLinuxOptions.type is "spc_t"; allowed: container_t, container_init_t, container_kvm_t, container_engine_t',
      'StatefulSet toolboxai/postgres: container "postgres" seLinuxOptions.user is "system_u"; it must not be set; seLinuxOptions.role is "sysadm_r"; it must not be set',
    ]);
  });
  test("the allowed types are configurable", async () => {
    const pod = compliantPod();
    pod.spec.securityContext.seLinuxOptions = { type: "spc_t" };
    const config = { "selinux-options": { allowedTypes: ["spc_t"] } };
    expect(await messagesOf(seLinuxOptions, [pod], config)).toEqual([]);
  });
});

describe("proc-mount-default", () => {
  test("the compliant fixtures pass, and Default is fine", async () => {
    const deployment = compliantDeployment();
    container(deployment).securityContext.procMount = "Default";
    expect(await messagesOf(procMountDefault, [...compliantWorkloads(), deployment])).toEqual([]);
  });
  test("an Unmasked /proc is reported", async () => {
    const pod = compliantPod();
    container(pod).securityContext.procMount = "Unmasked";
    expect(await messagesOf(procMountDefault, [pod])).toEqual([
      'Pod toolboxai/api: container "api" procMount is "Unmasked"; it must be Default',
    ]);
  });
});

describe("safe-sysctls", () => {
  test("the compliant fixtures pass, and safe sysctls (either separator) are fine", async () => {
    const deployment = compliantDeployment();
    podContext(deployment).sysctls = [
      { name: "net.ipv4.ip_unprivileged_port_start", value: "0" },
      { name: "net/ipv4/tcp_keepalive_time", value: "600" },
    ];
    expect(await messagesOf(safeSysctls, [...compliantWorkloads(), deployment])).toEqual([]);
  });
  test("an unsafe sysctl is reported", async () => {
    const cronJob = compliantCronJob();
    podContext(cronJob).sysctls = [
      { name: "kernel.shm_rmid_forced", value: "1" },
      { name: "kernel.msgmax", value: "65536" },
      { name: "net.core.somaxconn", value: "1024" },
    ];
    expect(await messagesOf(safeSysctls, [cronJob])).toEqual([
      "CronJob toolboxai/report: pod securityContext sets sysctl kernel.msgmax; only the safe set (safe-sysctls allowedSysctls) may be set",
      "CronJob toolboxai/report: pod securityContext sets sysctl net.core.somaxconn; only the safe set (safe-sysctls allowedSysctls) may be set",
    ]);
  });
  test("the safe set is configurable", async () => {
    const pod = compliantPod();
    pod.spec.securityContext.sysctls = [{ name: "net.core.somaxconn", value: "1024" }];
    const config = { "safe-sysctls": { allowedSysctls: ["net.core.somaxconn"] } };
    expect(await messagesOf(safeSysctls, [pod], config)).toEqual([]);
  });
});
