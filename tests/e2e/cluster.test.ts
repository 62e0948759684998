// The cluster phase of `npm run e2e`: each stack (as `cluster-<stack>`, dev in its Kubernetes
// form) deployed onto a local cluster of one real node (scripts/control-plane.sh start --node),
// checked through the API and its running Services, updated and destroyed.
import { e2eOptions } from "../../tools/e2e/project";
import { clusterStackChecks } from "./cluster-stack";
import { controlPlaneStops, useLocalCluster } from "./local-cluster";

const cluster = useLocalCluster("cluster");

describe.each(e2eOptions.stacks)("cluster-%s", (stackFile) => {
  clusterStackChecks(cluster, stackFile);
});

controlPlaneStops(cluster);
