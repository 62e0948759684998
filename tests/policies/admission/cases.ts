// The admission differential's cases: for each rule with an admission form, the compliant
// fixtures of every kind that runs pods (admitted), and one-defect mutations of them (refused),
// each named. The same cases are judged by the pack, by the generated policy offline, and (in the
// e2e) by the real API server. Each is a valid object: a defect the API's own validation refuses
// (a Localhost seccomp profile without its file) never reaches a policy, and is not a case here.
import {
  compliantCronJob,
  compliantPod,
  compliantReplicationController,
  compliantStatefulSet,
  container,
  specOf,
  withInitContainer,
} from "../fixtures/security";
import { pdbFor } from "../fixtures/availability";
import { networkStack, serviceFor } from "../fixtures/network";
import { compliantNamespace } from "../fixtures/resources";
import { compliantRole, compliantRoleBinding } from "../fixtures/security";
import { clone, compliantDeployment } from "../support";

/* eslint-disable @typescript-eslint/no-explicit-any -- fixtures are untyped JSON */

export interface AdmissionCase {
  readonly name: string;
  readonly object: any;
}

/** Adds volumes to the object's pod spec, beside those its containers mount. */
function addVolumes(object: any, volumes: readonly any[]): void {
  const spec = specOf(object);
  spec.volumes = [...(spec.volumes ?? []), ...volumes];
}

/** The pod template of any kind but a Pod. */
const templateOf = (object: any) =>
  object.kind === "CronJob" ? object.spec.jobTemplate.spec.template : object.spec.template;

/** A DaemonSet with the compliant Deployment's pod template. */
function compliantDaemonSet(): any {
  const { metadata, spec } = clone(compliantDeployment("agent"));
  return {
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata,
    spec: { selector: spec.selector, template: spec.template },
  };
}

/** One compliant object of each kind that runs pods and that a policy matches. */
const compliantPodOwners = (): AdmissionCase[] =>
  [
    compliantDeployment(),
    compliantStatefulSet(),
    compliantReplicationController(),
    compliantCronJob(),
    compliantPod(),
    compliantDaemonSet(),
  ].map((object) => ({ name: `a compliant ${object.kind}`, object }));

/** `change` applied to a fresh compliant object of each of the kinds named. */
function mutations(
  what: string,
  change: (object: any) => void,
  kinds: readonly (() => any)[] = [compliantDeployment, compliantCronJob, compliantPod],
): AdmissionCase[] {
  return kinds.map((make) => {
    const object = make();
    change(object);
    return { name: `${object.kind}: ${what}`, object };
  });
}

/** Sets the pod's sysctls, each to 1. */
const withSysctls =
  (...names: string[]) =>
  (object: any) => {
    specOf(object).securityContext.sysctls = names.map((name) => ({ name, value: "1" }));
  };

const digest = `sha256:${"ab".repeat(32)}`;
const withImage = (image: string) => (object: any) => {
  container(object).image = image;
};
const withInitImage = (image: string) => (object: any) => {
  withInitContainer(object).image = image;
};

/** Settings a rule needs in its stack's policy config to check anything (by the rule's name). */
export const settingsByRule: Record<string, Record<string, unknown>> = {
  "image-digest": { requireDigest: true },
};

/** The PriorityClass the priority-class cases name: it must exist where a Pod names it. */
export const casePriorityClass = "toolboxai-standard";

/** A compliant Service: ClusterIP, in front of the compliant Deployment. */
const compliantService = () => serviceFor(compliantDeployment(), 80, "http");
/** The compliant Deployment's PodDisruptionBudget. */
const compliantBudget = () => pdbFor(compliantDeployment());
/** The compliant network stack's Ingress: one exact host, covered by its TLS. */
const compliantIngress = () => networkStack().find((object) => object.kind === "Ingress");
const compliantBinding = () => compliantRoleBinding();
const compliantTenantNamespace = () => compliantNamespace("toolboxai-tenant");
/** Endpoints written by hand: an address of the cluster's own network. */
const compliantEndpoints = () => ({
  apiVersion: "v1",
  kind: "Endpoints",
  metadata: { name: "legacy-db", namespace: "toolboxai" },
  subsets: [{ addresses: [{ ip: "10.0.0.5" }], ports: [{ name: "pg", port: 5432 }] }],
});
/** An EndpointSlice written by hand: an address of the cluster's own network. */
const compliantEndpointSlice = (addressType = "IPv4", address = "10.0.0.7") => ({
  apiVersion: "discovery.k8s.io/v1",
  kind: "EndpointSlice",
  metadata: { name: "legacy-db-1", namespace: "toolboxai" },
  addressType,
  endpoints: [{ addresses: [address] }],
  ports: [{ name: "pg", port: 5432 }],
});
/** An ExternalName Service that names `host`. */
const externalName = (host: string) => (service: any) => {
  service.spec = { type: "ExternalName", externalName: host };
};

/** The compliant network stack's NetworkPolicy for the API: named peers only. */
const compliantNetworkPolicy = () =>
  networkStack().find(
    (object) => object.kind === "NetworkPolicy" && object.metadata.name === "api",
  );

/** The rules over kinds that run no pods, with their compliant objects; the others judge pods. */
const otherKindRules: Record<string, readonly (() => any)[]> = {
  "service-exposure": [compliantService],
  "cronjob-deadline": [compliantCronJob],
  "pdb-unhealthy-pod-eviction-policy": [compliantBudget],
  "ingress-tls": [compliantIngress],
  "ingress-no-wildcard-hosts": [compliantIngress],
  "rbac-no-public-bindings": [compliantBinding],
  "rbac-least-privilege": [compliantRole, compliantBinding],
  "rbac-no-privilege-escalation": [compliantRole],
  "namespace-pod-security": [compliantTenantNamespace],
  "netpol-no-allow-all-peers": [compliantNetworkPolicy],
  "netpol-no-metadata-egress": [compliantNetworkPolicy],
  "no-metadata-targets": [compliantService, compliantEndpoints, compliantEndpointSlice],
};

/** Sets the Namespace's Pod Security enforce label, or removes it. */
const enforcing = (level?: string) => (namespace: any) => {
  const labels = namespace.metadata.labels;
  if (level === undefined) delete labels["pod-security.kubernetes.io/enforce"];
  else labels["pod-security.kubernetes.io/enforce"] = level;
};

/** Sets the Ingress's rule hosts, each with the compliant rule's paths. */
const withHosts =
  (...hosts: (string | undefined)[]) =>
  (ingress: any) => {
    const [rule] = ingress.spec.rules;
    ingress.spec.rules = hosts.map((host) => ({ ...clone(rule), host }));
  };

/** Adds an environment variable to the first container. */
const withEnv = (variable: Record<string, unknown>) => (object: any) => {
  container(object).env.push(variable);
};

/** Adds a volume and the first container's mount of it. */
const withMounted = (volume: Record<string, unknown>, mount: Record<string, unknown>) => {
  return (object: any) => {
    addVolumes(object, [volume]);
    container(object).volumeMounts.push({ name: volume.name, ...mount });
  };
};

/** Adds a rule to the Role. */
const withRule = (apiGroups: string[], resources: string[], verbs: string[]) => (role: any) => {
  role.rules.push({ apiGroups, resources, verbs });
};

/** Adds a subject to the RoleBinding. */
const withSubject = (kind: string, name: string) => (binding: any) => {
  binding.subjects.push({ apiGroup: "rbac.authorization.k8s.io", kind, name });
};

/** Sets the first container's probes' fields. */
const withProbe =
  (probe: "readinessProbe" | "livenessProbe" | "startupProbe", fields: Record<string, unknown>) =>
  (object: any) => {
    Object.assign(container(object)[probe], fields);
  };

/** The compliant objects for `rule`: under its settings, what they ask for (a digest) added. */
export function compliantFor(rule: string): AdmissionCase[] {
  const otherKinds = otherKindRules[rule];
  if (otherKinds) {
    return otherKinds.map((make) => {
      const object = make();
      return { name: `a compliant ${object.kind}`, object };
    });
  }
  const owners = compliantPodOwners();
  if (rule === "priority-class") {
    for (const { object } of owners) specOf(object).priorityClassName = casePriorityClass;
  }
  if (rule === "image-digest") {
    for (const { object } of owners) {
      for (const each of specOf(object).containers) each.image = `${each.image}@${digest}`;
    }
  }
  return owners;
}

/** The refused cases of each rule, by the rule's name. */
export const defectsByRule: Record<string, readonly AdmissionCase[]> = {
  "no-privileged-containers": [
    ...mutations("a privileged container", (object) => {
      // The API refuses privileged with allowPrivilegeEscalation false.
      Object.assign(container(object).securityContext, {
        privileged: true,
        allowPrivilegeEscalation: true,
      });
    }),
    ...mutations("a privileged init container", (object) => {
      Object.assign(withInitContainer(object).securityContext, {
        privileged: true,
        allowPrivilegeEscalation: true,
      });
    }),
  ],
  "host-namespaces": [
    ...mutations("hostNetwork", (object) => {
      specOf(object).hostNetwork = true;
    }),
    ...mutations("hostPID", (object) => {
      specOf(object).hostPID = true;
    }),
    ...mutations("hostIPC", (object) => {
      specOf(object).hostIPC = true;
    }),
  ],
  "no-container-runtime-socket": [
    ...mutations("the Docker socket", (object) => {
      addVolumes(object, [{ name: "docker", hostPath: { path: "/var/run/docker.sock" } }]);
    }),
    ...mutations("the containerd socket, written with doubled and trailing slashes", (object) => {
      addVolumes(object, [
        { name: "containerd", hostPath: { path: "//run//containerd/containerd.sock/" } },
      ]);
    }),
    ...mutations("the folder that holds the CRI-O socket", (object) => {
      addVolumes(object, [{ name: "crio", hostPath: { path: "/run/crio" } }]);
    }),
    ...mutations("the host's root", (object) => {
      addVolumes(object, [{ name: "root", hostPath: { path: "/" } }]);
    }),
  ],
  "no-host-ports": [
    ...mutations("a hostPort on a named port", (object) => {
      container(object).ports = [{ name: "http", containerPort: 8080, hostPort: 80 }];
    }),
    ...mutations("a hostPort on an init container's unnamed port", (object) => {
      withInitContainer(object).ports = [{ containerPort: 9000, hostPort: 19000 }];
    }),
  ],
  "capabilities-drop-all": [
    ...mutations("nothing dropped", (object) => {
      delete container(object).securityContext.capabilities.drop;
    }),
    ...mutations("ALL spelt in lower case", (object) => {
      container(object).securityContext.capabilities.drop = ["all", "NET_RAW"];
    }),
    ...mutations("CHOWN added back", (object) => {
      withInitContainer(object).securityContext.capabilities.add = ["CHOWN", "NET_BIND_SERVICE"];
    }),
  ],
  "no-dangerous-capabilities": [
    ...mutations("SYS_ADMIN added", (object) => {
      container(object).securityContext.capabilities.add = ["SYS_ADMIN"];
    }),
    ...mutations("cap_net_raw added, spelt as the kernel does", (object) => {
      withInitContainer(object).securityContext.capabilities.add = [" cap_net_raw"];
    }),
  ],
  "no-privilege-escalation": [
    ...mutations("allowPrivilegeEscalation unset", (object) => {
      delete container(object).securityContext.allowPrivilegeEscalation;
    }),
    ...mutations("allowPrivilegeEscalation true on an init container", (object) => {
      withInitContainer(object).securityContext.allowPrivilegeEscalation = true;
    }),
  ],
  "run-as-non-root": [
    ...mutations("runAsNonRoot false on the pod", (object) => {
      specOf(object).securityContext.runAsNonRoot = false;
    }),
    ...mutations("runAsNonRoot nowhere", (object) => {
      delete specOf(object).securityContext.runAsNonRoot;
      delete container(object).securityContext.runAsNonRoot;
    }),
    ...mutations("a container's runAsUser 0", (object) => {
      container(object).securityContext.runAsUser = 0;
    }),
    ...mutations("runAsGroup below the minimum on the pod", (object) => {
      specOf(object).securityContext.runAsGroup = 1000;
    }),
    ...mutations("runAsUser nowhere", (object) => {
      delete specOf(object).securityContext.runAsUser;
      delete container(object).securityContext.runAsUser;
    }),
  ],
  "no-host-process": [
    ...mutations("hostProcess on the pod", (object) => {
      // The API accepts HostProcess only with the node's network and in every container.
      specOf(object).hostNetwork = true;
      specOf(object).securityContext.windowsOptions = { hostProcess: true };
    }),
    ...mutations("hostProcess on an init container", (object) => {
      specOf(object).hostNetwork = true;
      withInitContainer(object);
      for (const each of [...specOf(object).initContainers, ...specOf(object).containers]) {
        each.securityContext.windowsOptions = { hostProcess: true };
      }
    }),
  ],
  "readonly-root-filesystem": [
    ...mutations("readOnlyRootFilesystem false", (object) => {
      container(object).securityContext.readOnlyRootFilesystem = false;
    }),
    ...mutations("readOnlyRootFilesystem unset on an init container", (object) => {
      delete withInitContainer(object).securityContext.readOnlyRootFilesystem;
    }),
  ],
  "proc-mount-default": mutations("procMount Unmasked", (object) => {
    // The API accepts an unmasked /proc only in a user namespace.
    specOf(object).hostUsers = false;
    container(object).securityContext.procMount = "Unmasked";
  }),
  "seccomp-profile": [
    ...mutations("Unconfined on the pod", (object) => {
      specOf(object).securityContext.seccompProfile = { type: "Unconfined" };
    }),
    ...mutations("no profile anywhere", (object) => {
      delete specOf(object).securityContext.seccompProfile;
      delete container(object).securityContext.seccompProfile;
    }),
    ...mutations("the legacy unconfined annotation", (object) => {
      const metadata = object.kind === "Pod" ? object.metadata : templateOf(object).metadata;
      metadata.annotations = { "seccomp.security.alpha.kubernetes.io/pod": "unconfined" };
      // The API refuses an annotation that contradicts the pod's field: the containers' own stay.
      delete specOf(object).securityContext.seccompProfile;
    }),
  ],
  "volume-type-allowlist": [
    ...mutations("an nfs volume", (object) => {
      addVolumes(object, [{ name: "share", nfs: { server: "nfs.example", path: "/x" } }]);
    }),
    ...mutations("a gitRepo volume", (object) => {
      addVolumes(object, [{ name: "code", gitRepo: { repository: "https://x.example" } }]);
    }),
  ],
  "image-tag-pinned": [
    ...mutations("an image without a tag", withImage("ghcr.io/toolboxai/api")),
    ...mutations("the latest tag", withImage("nginx:latest")),
    ...mutations("a registry's port, and no tag", withImage("registry.example:5000/team/app")),
    ...mutations("a malformed digest", withImage("nginx@sha256:abc")),
    ...mutations("an init container's latest tag", withInitImage("busybox:latest")),
  ],
  "image-digest": [
    ...mutations("a version tag only", withImage("nginx:1.27.0")),
    ...mutations("a digest of another algorithm", withImage(`nginx@sha512:${"ab".repeat(64)}`)),
  ],
  "image-registry-allowlist": [
    ...mutations("an image from another registry", withImage("quay.io/evil/miner:1.0")),
    ...mutations("a Docker Hub user's image", withImage("evil/miner:1.0")),
    ...mutations("a prefix's look-alike", withImage("ghcr.io/toolboxai-x/api:1.0")),
    ...mutations("localhost, in capitals", withInitImage("LOCALHOST/api:1.0")),
  ],
  "readiness-probe": [
    ...mutations("a serving container without a readinessProbe", (object) => {
      delete container(object).readinessProbe;
    }),
    ...mutations("a native sidecar that serves without one", (object) => {
      Object.assign(withInitContainer(object), {
        restartPolicy: "Always",
        ports: [{ name: "metrics", containerPort: 9100 }, { containerPort: 9101 }],
      });
    }),
  ],
  "liveness-probe": mutations(
    "a long-running container without a livenessProbe",
    (object) => {
      delete container(object).livenessProbe;
    },
    [compliantDeployment, compliantStatefulSet, compliantPod],
  ),
  "container-resources": [
    // A Pod's requests default to its limits before admission: judged on templates only.
    ...mutations(
      "no memory request",
      (object) => {
        delete container(object).resources.requests.memory;
      },
      [compliantDeployment, compliantCronJob],
    ),
    ...mutations("no cpu limit on an init container", (object) => {
      delete withInitContainer(object).resources.limits.cpu;
    }),
    // The API refuses a request above its limit, and writes a quantity in its canonical form.
    ...mutations("a zero memory limit", (object) => {
      Object.assign(container(object).resources.requests, { memory: "0" });
      Object.assign(container(object).resources.limits, { memory: "0" });
    }),
  ],
  "service-exposure": [
    ...mutations("a NodePort", (service) => (service.spec.type = "NodePort"), [compliantService]),
    ...mutations(
      "a LoadBalancer nobody listed",
      (service) => (service.spec.type = "LoadBalancer"),
      [compliantService],
    ),
    ...mutations(
      "externalIPs",
      (service) => (service.spec.externalIPs = ["203.0.113.10", "203.0.113.11"]),
      [compliantService],
    ),
  ],
  "no-host-path-volumes": [
    ...mutations("a hostPath volume", (object) => {
      addVolumes(object, [{ name: "host", hostPath: { path: "/etc" } }]);
    }),
  ],
  "non-root-groups": [
    ...mutations("fsGroup 0", (object) => {
      specOf(object).securityContext.fsGroup = 0;
    }),
    ...mutations("a supplemental group below the minimum", (object) => {
      specOf(object).securityContext.supplementalGroups = [10001, 100];
    }),
  ],
  "env-no-duplicates": [
    ...mutations("a variable set twice", (object) => {
      container(object).env.push({ name: "DATABASE_HOST", value: "elsewhere" });
    }),
    ...mutations("an init container's variable set three times", (object) => {
      withInitContainer(object).env = [1, 2, 3].map((value) => ({ name: "X", value: `${value}` }));
    }),
  ],
  "probes-differ": [
    ...mutations(
      "liveness the same httpGet as readiness, with other timing",
      (object) => {
        container(object).livenessProbe = {
          ...clone(container(object).readinessProbe),
          timeoutSeconds: 2,
        };
      },
      [compliantDeployment, compliantStatefulSet, compliantPod],
    ),
  ],
  "probe-timing": [
    ...mutations("a readiness period of 10", withProbe("readinessProbe", { periodSeconds: 10 })),
    // Each field is written: the API fills in an unset one (period 10), which the pack reports
    // as unset, the policy as the value.
    ...mutations(
      "a liveness failureThreshold of 5",
      withProbe("livenessProbe", { failureThreshold: 5 }),
    ),
    ...mutations(
      "a startup probe that allows 20 s",
      withProbe("startupProbe", { periodSeconds: 5 }),
    ),
    ...mutations("no startup probe, and liveness at once", (object) => {
      delete container(object).startupProbe;
      container(object).livenessProbe.initialDelaySeconds = 0;
    }),
  ],
  "cronjob-deadline": [
    ...mutations(
      "no startingDeadlineSeconds",
      (cronJob) => delete cronJob.spec.startingDeadlineSeconds,
      [compliantCronJob],
    ),
    ...mutations("a deadline of 5 s", (cronJob) => (cronJob.spec.startingDeadlineSeconds = 5), [
      compliantCronJob,
    ]),
  ],
  "pdb-unhealthy-pod-eviction-policy": [
    ...mutations(
      "no unhealthyPodEvictionPolicy",
      (budget) => delete budget.spec.unhealthyPodEvictionPolicy,
      [compliantBudget],
    ),
    ...mutations(
      "IfHealthyBudget",
      (budget) => (budget.spec.unhealthyPodEvictionPolicy = "IfHealthyBudget"),
      [compliantBudget],
    ),
  ],
  "ingress-tls": [
    ...mutations(
      "a second host without TLS",
      withHosts("app.toolboxai.example", "admin.toolboxai.example"),
      [compliantIngress],
    ),
    ...mutations("a rule without a host", withHosts("app.toolboxai.example", undefined), [
      compliantIngress,
    ]),
    ...mutations(
      "a host two labels under the TLS wildcard",
      (ingress) => {
        ingress.spec.tls[0].hosts = ["*.toolboxai.example"];
        withHosts("a.b.toolboxai.example")(ingress);
      },
      [compliantIngress],
    ),
    ...mutations("no TLS at all", (ingress) => delete ingress.spec.tls, [compliantIngress]),
  ],
  "ingress-no-wildcard-hosts": [
    ...mutations("a wildcard host", withHosts("app.toolboxai.example", "*.toolboxai.example"), [
      compliantIngress,
    ]),
    ...mutations("a rule without a host", withHosts(undefined), [compliantIngress]),
    ...mutations(
      "a defaultBackend",
      (ingress) => {
        ingress.spec.defaultBackend = clone(ingress.spec.rules[0].http.paths[0].backend);
      },
      [compliantIngress],
    ),
  ],
  "rbac-no-public-bindings": [
    ...mutations("every authenticated identity", withSubject("Group", "system:authenticated"), [
      compliantBinding,
    ]),
    ...mutations("the anonymous user", withSubject("User", "system:anonymous"), [compliantBinding]),
  ],
  "no-control-plane-tolerations": [
    ...mutations("the control-plane taint tolerated", (object) => {
      specOf(object).tolerations = [
        { key: "dedicated", operator: "Equal", value: "ai", effect: "NoSchedule" },
        { key: "node-role.kubernetes.io/control-plane", operator: "Exists", effect: "NoSchedule" },
      ];
    }),
    ...mutations("every taint tolerated", (object) => {
      specOf(object).tolerations = [{ operator: "Exists" }];
    }),
    ...mutations("every NoExecute taint tolerated", (object) => {
      specOf(object).tolerations = [{ operator: "Exists", effect: "NoExecute" }];
    }),
  ],
  "selinux-options": [
    ...mutations("a type off the list on the pod", (object) => {
      specOf(object).securityContext.seLinuxOptions = { type: "spc_t" };
    }),
    ...mutations("a user and a role on a container", (object) => {
      container(object).securityContext.seLinuxOptions = { user: "system_u", role: "system_r" };
    }),
    ...mutations("a type off the list and a user on an init container", (object) => {
      withInitContainer(object).securityContext.seLinuxOptions = {
        type: "unconfined_t",
        user: "root",
      };
    }),
  ],
  "rbac-least-privilege": [
    ...mutations("every verb on deployments", withRule(["apps"], ["deployments"], ["*"]), [
      compliantRole,
    ]),
    ...mutations("a wildcard resource", withRule(["apps"], ["deployments/*"], ["get"]), [
      compliantRole,
    ]),
    ...mutations("every API group", withRule(["*"], ["leases"], ["get"]), [compliantRole]),
    ...mutations("the approve verb", withRule(["certificates.k8s.io"], ["signers"], ["approve"]), [
      compliantRole,
    ]),
    ...mutations(
      "a binding of admin",
      (binding) =>
        (binding.roleRef = {
          apiGroup: "rbac.authorization.k8s.io",
          kind: "ClusterRole",
          name: "admin",
        }),
      [compliantBinding],
    ),
    ...mutations(
      "a binding of a system: role",
      (binding) =>
        (binding.roleRef = {
          apiGroup: "rbac.authorization.k8s.io",
          kind: "ClusterRole",
          name: "system:controller:namespace-controller",
        }),
      [compliantBinding],
    ),
  ],
  "ephemeral-storage-bounded": [
    ...mutations("an unsized emptyDir mounted by a container without the limit", (object) => {
      addVolumes(object, [{ name: "scratch", emptyDir: {} }]);
      container(object).volumeMounts = [
        ...(container(object).volumeMounts ?? []),
        { name: "scratch", mountPath: "/scratch" },
      ];
    }),
    ...mutations("an unsized memory emptyDir mounted by an init container", (object) => {
      addVolumes(object, [{ name: "cache", emptyDir: { medium: "Memory" } }]);
      withInitContainer(object).volumeMounts = [{ name: "cache", mountPath: "/cache" }];
    }),
  ],
  "priority-class": mutations("no priorityClassName", (object) => {
    delete specOf(object).priorityClassName;
  }),
  // On templates: the API server copies a Pod's AppArmor annotation to its field, and the other
  // way, so a Pod would fail twice.
  "apparmor-profile": [
    ...mutations(
      "Unconfined on the pod",
      (object) => {
        specOf(object).securityContext.appArmorProfile = { type: "Unconfined" };
      },
      [compliantDeployment, compliantCronJob],
    ),
    ...mutations(
      "Unconfined on an init container",
      (object) => {
        withInitContainer(object).securityContext.appArmorProfile = { type: "Unconfined" };
      },
      [compliantDeployment, compliantCronJob],
    ),
    ...mutations(
      "the unconfined annotation",
      (object) => {
        templateOf(object).metadata.annotations = {
          [`container.apparmor.security.beta.kubernetes.io/${container(object).name}`]:
            "unconfined",
        };
      },
      [compliantDeployment, compliantStatefulSet],
    ),
  ],
  "dedicated-service-account": [
    ...mutations("no serviceAccountName", (object) => {
      delete specOf(object).serviceAccountName;
    }),
    ...mutations("the default ServiceAccount", (object) => {
      specOf(object).serviceAccountName = "default";
    }),
  ],
  "netpol-no-allow-all-peers": [
    ...mutations(
      "an ingress rule without from",
      (policy) => policy.spec.ingress.push({ ports: [{ port: 8009, protocol: "TCP" }] }),
      [compliantNetworkPolicy],
    ),
    ...mutations(
      "an egress rule without to",
      (policy) => policy.spec.egress.push({ ports: [{ port: 443, protocol: "TCP" }] }),
      [compliantNetworkPolicy],
    ),
    ...mutations(
      "every pod of every namespace",
      (policy) => policy.spec.ingress.push({ from: [{ namespaceSelector: {} }] }),
      [compliantNetworkPolicy],
    ),
    ...mutations(
      "every IPv4 address but a range",
      (policy) =>
        policy.spec.egress.push({
          to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["169.254.0.0/16"] } }],
        }),
      [compliantNetworkPolicy],
    ),
    ...mutations(
      "every IPv6 address",
      (policy) => policy.spec.egress.push({ to: [{ ipBlock: { cidr: "::/0" } }] }),
      [compliantNetworkPolicy],
    ),
  ],
  "netpol-no-metadata-egress": [
    ...mutations(
      "the link-local range",
      (policy) => policy.spec.egress.push({ to: [{ ipBlock: { cidr: "169.254.0.0/16" } }] }),
      [compliantNetworkPolicy],
    ),
    ...mutations(
      "the internet, excepting the private ranges only",
      (policy) =>
        policy.spec.egress.push({
          to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["10.0.0.0/8", "192.168.0.0/16"] } }],
        }),
      [compliantNetworkPolicy],
    ),
    ...mutations(
      "the IPv6 metadata server's range",
      (policy) => policy.spec.egress.push({ to: [{ ipBlock: { cidr: "fd00:ec2::/32" } }] }),
      [compliantNetworkPolicy],
    ),
  ],
  // The API server refuses link-local addresses in Endpoints and EndpointSlices itself.
  "no-metadata-targets": [
    ...mutations("an ExternalName of the metadata address", externalName("169.254.169.254"), [
      compliantService,
    ]),
    ...mutations(
      "an ExternalName of the metadata server's name, with its trailing dot",
      externalName("metadata.google.internal."),
      [compliantService],
    ),
    ...mutations("an ExternalName that is a number", externalName("2852039166"), [
      compliantService,
    ]),
    ...mutations(
      "the IPv6 metadata server, not ready",
      (endpoints) => {
        endpoints.subsets[0].notReadyAddresses = [{ ip: "fd00:ec2::254" }];
      },
      [compliantEndpoints],
    ),
    ...mutations("an IPv6 slice to the metadata server", () => undefined, [
      () => compliantEndpointSlice("IPv6", "fd00:ec2::254"),
    ]),
    ...mutations("a name slice to the metadata server", () => undefined, [
      () => compliantEndpointSlice("FQDN", "metadata.google.internal"),
    ]),
  ],
  "secrets-as-files": [
    ...mutations(
      "a secretKeyRef",
      withEnv({ name: "API_KEY", valueFrom: { secretKeyRef: { name: "api", key: "key" } } }),
    ),
    ...mutations("a Secret loaded with envFrom", (object) => {
      withInitContainer(object).envFrom = [{ secretRef: { name: "api" } }];
    }),
    ...mutations(
      "a secret volume mounted outside /run/secrets",
      withMounted(
        { name: "creds", secret: { secretName: "creds" } },
        { mountPath: "/etc/creds", readOnly: true },
      ),
    ),
    ...mutations(
      "a secret volume mounted read-write",
      withMounted(
        { name: "creds", secret: { secretName: "creds" } },
        { mountPath: "/run/secrets/creds" },
      ),
    ),
    ...mutations(
      "a _FILE variable that no mount provides",
      withEnv({ name: "TOKEN_FILE", value: "/run/secrets/token/value" }),
    ),
    ...mutations("a _FILE variable on a read-write mount", (object) => {
      withMounted(
        { name: "settings", configMap: { name: "settings" } },
        { mountPath: "/run/secrets/settings" },
      )(object);
      withEnv({ name: "settings_file", value: "/run/secrets/settings/app.conf" })(object);
    }),
  ],
  "service-account-token-automount": [
    ...mutations("the token on", (object) => {
      specOf(object).automountServiceAccountToken = true;
    }),
    ...mutations("the token left to the ServiceAccount", (object) => {
      delete specOf(object).automountServiceAccountToken;
    }),
  ],
  // One grant each: several would each fail a validation of their own.
  "rbac-no-privilege-escalation": [
    ...mutations("pods/exec", withRule([""], ["pods/exec"], ["create"]), [compliantRole]),
    ...mutations("exec of every resource", withRule([""], ["*/exec"], ["get"]), [compliantRole]),
    ...mutations("pods/attach in every API group", withRule(["*"], ["pods/attach"], ["create"]), [
      compliantRole,
    ]),
    ...mutations(
      "escalate on roles",
      withRule(["rbac.authorization.k8s.io"], ["roles"], ["escalate"]),
      [compliantRole],
    ),
    ...mutations(
      "impersonating service accounts",
      withRule([""], ["serviceaccounts"], ["impersonate"]),
      [compliantRole],
    ),
    ...mutations(
      "impersonating an extra",
      withRule(["authentication.k8s.io"], ["userextras/scopes"], ["impersonate"]),
      [compliantRole],
    ),
  ],
  // A level Pod Security does not know is refused by Pod Security itself, before the policies.
  "namespace-pod-security": [
    ...mutations("no enforce label", enforcing(), [compliantTenantNamespace]),
    ...mutations("enforce privileged", enforcing("privileged"), [compliantTenantNamespace]),
  ],
  "safe-sysctls": [
    ...mutations(
      "an unsafe sysctl beside a safe one",
      withSysctls("net.ipv4.tcp_syncookies", "kernel.msgmax"),
    ),
    // The API accepts "/" as the separator: the same unsafe sysctl, written so.
    ...mutations("an unsafe sysctl written with slashes", withSysctls("net/ipv4/ip_forward")),
  ],
};

/** Cases the rule admits though they touch its field: the same field set to its safe value. */
export const allowedByRule: Record<string, readonly AdmissionCase[]> = {
  "no-privileged-containers": mutations("privileged: false", (object) => {
    container(object).securityContext.privileged = false;
  }),
  "host-namespaces": mutations("hostNetwork: false", (object) => {
    specOf(object).hostNetwork = false;
  }),
  "no-container-runtime-socket": mutations("a host folder beside the sockets", (object) => {
    addVolumes(object, [
      { name: "logs", hostPath: { path: "/var/log" } },
      { name: "sock-like", hostPath: { path: "/run/docker.sockets" } },
    ]);
  }),
  "no-host-ports": mutations("hostPort 0", (object) => {
    container(object).ports = [{ name: "http", containerPort: 8080, hostPort: 0 }];
  }),
  "capabilities-drop-all": mutations("NET_BIND_SERVICE added back", (object) => {
    container(object).securityContext.capabilities.add = ["NET_BIND_SERVICE"];
  }),
  "no-dangerous-capabilities": mutations("a harmless capability added", (object) => {
    container(object).securityContext.capabilities.add = ["NET_BIND_SERVICE"];
  }),
  "no-privilege-escalation": [],
  "run-as-non-root": [
    ...mutations("a container's own higher runAsUser", (object) => {
      container(object).securityContext.runAsUser = 20000;
    }),
    ...mutations("a container that inherits the pod's user and group", (object) => {
      const context = container(object).securityContext;
      delete context.runAsNonRoot;
      delete context.runAsUser;
      delete context.runAsGroup;
    }),
  ],
  "no-host-process": mutations("hostProcess false", (object) => {
    specOf(object).securityContext.windowsOptions = { hostProcess: false };
  }),
  "readonly-root-filesystem": [],
  "proc-mount-default": mutations("procMount Default", (object) => {
    container(object).securityContext.procMount = "Default";
  }),
  "seccomp-profile": [
    ...mutations("a Localhost profile on a container", (object) => {
      container(object).securityContext.seccompProfile = {
        type: "Localhost",
        localhostProfile: "profiles/api.json",
      };
    }),
    ...mutations("the profile on the pod only", (object) => {
      delete container(object).securityContext.seccompProfile;
    }),
  ],
  "volume-type-allowlist": mutations("a projected volume", (object) => {
    addVolumes(object, [{ name: "token", projected: { sources: [] } }]);
  }),
  "image-tag-pinned": [
    ...mutations("a digest", withImage(`nginx@${digest}`)),
    ...mutations("a registry's port and a tag", withImage("localhost:5000/app:1.0")),
    ...mutations("a tag beside a malformed digest", withImage("nginx:1.27@sha256:abc")),
  ],
  "image-digest": mutations("a tag and a digest", withImage(`nginx:1.27.0@${digest}`)),
  "image-registry-allowlist": [
    ...mutations("an official image by its short name", withImage("redis:7.4.1")),
    ...mutations("an official image on index.docker.io", withImage("index.docker.io/redis:7")),
    ...mutations("an allowed repository", withImage("docker.io/grafana/grafana:12.0.0")),
  ],
  "readiness-probe": mutations("a container that serves nothing, without probes", (object) => {
    const init = withInitContainer(object);
    delete init.readinessProbe;
  }),
  "liveness-probe": [
    ...mutations(
      "a Job's container without one",
      (object) => {
        delete container(object).livenessProbe;
      },
      [compliantCronJob],
    ),
    ...mutations(
      "a Pod that runs to completion, without one",
      (object) => {
        object.spec.restartPolicy = "Never";
        delete container(object).livenessProbe;
      },
      [compliantPod],
    ),
  ],
  "container-resources": mutations("limits in millicores and Mi", (object) => {
    container(object).resources.limits = { cpu: "1500m", memory: "512Mi" };
  }),
  "service-exposure": mutations(
    "no type (ClusterIP by default)",
    (service) => delete service.spec.type,
    [compliantService],
  ),
  "no-host-path-volumes": mutations("an emptyDir volume", (object) => {
    addVolumes(object, [{ name: "scratch", emptyDir: {} }]);
  }),
  "non-root-groups": mutations("supplemental groups at the minimum and above", (object) => {
    specOf(object).securityContext.supplementalGroups = [1001, 10001];
  }),
  "env-no-duplicates": mutations("the same name in two containers", (object) => {
    withInitContainer(object).env = [{ name: "DATABASE_HOST", value: "elsewhere" }];
  }),
  "probes-differ": mutations("the same handler kind, another port", (object) => {
    container(object).livenessProbe.httpGet = { path: "/health", port: 9000 };
    delete container(object).livenessProbe.tcpSocket;
  }),
  "probe-timing": [
    ...mutations("no startup probe, and a liveness delay of 40 s", (object) => {
      delete container(object).startupProbe;
      container(object).livenessProbe.initialDelaySeconds = 40;
    }),
    ...mutations("failureThreshold left to the default", (object) => {
      delete container(object).readinessProbe.failureThreshold;
    }),
  ],
  "cronjob-deadline": mutations(
    "a deadline of exactly 10 s",
    (cronJob) => (cronJob.spec.startingDeadlineSeconds = 10),
    [compliantCronJob],
  ),
  "pdb-unhealthy-pod-eviction-policy": [],
  "ingress-tls": mutations(
    "a host one label under the TLS wildcard",
    (ingress) => {
      ingress.spec.tls[0].hosts = ["*.toolboxai.example"];
      withHosts("admin.toolboxai.example", "app.toolboxai.example")(ingress);
    },
    [compliantIngress],
  ),
  "ingress-no-wildcard-hosts": mutations(
    "two exact hosts",
    withHosts("app.toolboxai.example", "admin.toolboxai.example"),
    [compliantIngress],
  ),
  "rbac-no-public-bindings": mutations(
    "a named Group, and a ServiceAccount named like a system group",
    (binding) => {
      withSubject("Group", "toolboxai:operators")(binding);
      binding.subjects.push({
        kind: "ServiceAccount",
        name: "system-authenticated",
        namespace: "toolboxai",
      });
    },
    [compliantBinding],
  ),
  "no-control-plane-tolerations": mutations("a dedicated taint, and the node's own", (object) => {
    specOf(object).tolerations = [
      { key: "dedicated", operator: "Equal", value: "ai", effect: "NoSchedule" },
      { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute" },
    ];
  }),
  "selinux-options": mutations("an allowed type and a level", (object) => {
    container(object).securityContext.seLinuxOptions = { type: "container_t", level: "s0:c1,c2" };
  }),
  "namespace-pod-security": [],
  "service-account-token-automount": [],
  "dedicated-service-account": [],
  "secrets-as-files": [
    ...mutations("a projected secret read-only under /run/secrets, and its _FILE", (object) => {
      withMounted(
        { name: "tokens", projected: { sources: [{ secret: { name: "tokens" } }] } },
        { mountPath: "/run/secrets/tokens", readOnly: true },
      )(object);
      withEnv({ name: "TOKEN_FILE", value: "/run/secrets/tokens/api" })(object);
    }),
    ...mutations(
      "a _FILE variable outside /run/secrets, and a ConfigMap in the environment",
      (object) => {
        withEnv({ name: "CONFIG_FILE", value: "/etc/app/app.conf" })(object);
        withEnv({
          name: "MODE",
          valueFrom: { configMapKeyRef: { name: "settings", key: "mode" } },
        })(object);
      },
    ),
  ],
  "netpol-no-metadata-egress": mutations(
    "the internet, the link-local range excepted",
    (policy) =>
      policy.spec.egress.push({
        to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["169.254.0.0/16", "10.0.0.0/8"] } }],
      }),
    [compliantNetworkPolicy],
  ),
  "no-metadata-targets": [
    ...mutations("an ExternalName of a database host", externalName("db.example.com"), [
      compliantService,
    ]),
    ...mutations("a name slice to a database host", () => undefined, [
      () => compliantEndpointSlice("FQDN", "db.example.com"),
    ]),
  ],
  "netpol-no-allow-all-peers": [
    ...mutations(
      "another namespace's pods, by label",
      (policy) =>
        policy.spec.ingress.push({
          from: [{ namespaceSelector: { matchLabels: { team: "data" } }, podSelector: {} }],
        }),
      [compliantNetworkPolicy],
    ),
    ...mutations(
      "one range, and no ingress at all",
      (policy) => {
        policy.spec.ingress = [];
        policy.spec.egress.push({ to: [{ ipBlock: { cidr: "203.0.113.0/24" } }] });
      },
      [compliantNetworkPolicy],
    ),
  ],
  "apparmor-profile": [
    ...mutations("RuntimeDefault on the pod", (object) => {
      specOf(object).securityContext.appArmorProfile = { type: "RuntimeDefault" };
    }),
    ...mutations("a Localhost profile on a container, and its annotation", (object) => {
      container(object).securityContext.appArmorProfile = {
        type: "Localhost",
        localhostProfile: "toolboxai-api",
      };
      const metadata = object.kind === "Pod" ? object.metadata : templateOf(object).metadata;
      metadata.annotations = {
        [`container.apparmor.security.beta.kubernetes.io/${container(object).name}`]:
          "localhost/toolboxai-api",
      };
    }),
  ],
  "rbac-no-privilege-escalation": [
    ...mutations("reading pod logs", withRule([""], ["pods/log"], ["get"]), [compliantRole]),
    ...mutations(
      "reading roles",
      withRule(["rbac.authorization.k8s.io"], ["roles", "rolebindings"], ["get", "list"]),
      [compliantRole],
    ),
  ],
  "priority-class": [],
  "ephemeral-storage-bounded": [
    ...mutations("a sized emptyDir", (object) => {
      addVolumes(object, [{ name: "scratch", emptyDir: { sizeLimit: "64Mi" } }]);
      container(object).volumeMounts = [
        ...(container(object).volumeMounts ?? []),
        { name: "scratch", mountPath: "/scratch" },
      ];
    }),
    ...mutations("an unsized emptyDir, its container limited", (object) => {
      addVolumes(object, [{ name: "scratch", emptyDir: {} }]);
      container(object).resources.limits["ephemeral-storage"] = "1Gi";
      container(object).volumeMounts = [
        ...(container(object).volumeMounts ?? []),
        { name: "scratch", mountPath: "/scratch" },
      ];
    }),
    ...mutations("an unsized emptyDir nobody mounts", (object) => {
      addVolumes(object, [{ name: "scratch", emptyDir: {} }]);
    }),
  ],
  "rbac-least-privilege": [
    ...mutations(
      "a binding of a ClusterRole of its own",
      (binding) =>
        (binding.roleRef = {
          apiGroup: "rbac.authorization.k8s.io",
          kind: "ClusterRole",
          name: "toolboxai-reader",
        }),
      [compliantBinding],
    ),
    ...mutations("reading pod logs", withRule([""], ["pods/log"], ["get"]), [compliantRole]),
  ],
  "safe-sysctls": [
    ...mutations("safe sysctls", withSysctls("net.ipv4.tcp_syncookies", "kernel.shm_rmid_forced")),
    ...mutations("a safe sysctl written with slashes", withSysctls("net/ipv4/tcp_keepalive_time")),
  ],
};
