// The cluster phase of `npm run e2e`: each stack (as `cluster-<stack>`, dev in its Kubernetes
// form) deployed into a real kube-apiserver with kube-controller-manager, checked through the API,
// updated and destroyed. Pods are admitted and stay Pending: no kubelet runs them.
import { e2eOptions } from "../../tools/e2e/project";
import { clusterStackChecks } from "./cluster-stack";
import { controlPlaneStops, useLocalCluster } from "./local-cluster";

const cluster = useLocalCluster("cluster");

describe.each(e2eOptions.stacks)("cluster-%s", (stackFile) => {
  clusterStackChecks(cluster, stackFile);
});

controlPlaneStops(cluster);
