// Continuous delivery in the cluster (`toolboxai:delivery`): none, the operator, or Argo CD.
import { z } from "zod";
import { dnsLabel, intRange, mapping, urlWithoutCredentials } from "./primitives";

const repositoryUrlMessage =
  "must be an https:// git URL such as https://github.com/toolboxai/infrastructure.git";
const gitRepository = urlWithoutCredentials(repositoryUrlMessage)
  .regex(/^https:\/\/[^\s/]+\/\S+$/, { error: repositoryUrlMessage })
  .meta({ allowed: "`https://` git URL without credentials" });
const branchMessage = "must be a git branch name such as main or release/production";
const gitBranch = z
  .string({ error: branchMessage })
  .regex(/^(?!\/|.*\/$|.*\.\.)[A-Za-z0-9._/-]{1,200}$/, { error: branchMessage })
  .meta({ allowed: "git branch name" });
const folderMessage = "must be empty or a relative folder such as infrastructure (no '..')";
const repositoryFolder = z
  .string({ error: folderMessage })
  .regex(/^$|^(?!\/)(?!.*(^|\/)\.\.(\/|$))[A-Za-z0-9._/-]+$/, { error: folderMessage })
  .meta({ allowed: '`""` or a relative folder without `..`' });
const stateBackendMessage =
  "must be empty (Pulumi Cloud) or a state backend URL: https://…, s3://…, gs://… or azblob://…";

/**
 * Continuous delivery in the cluster (components/delivery): none, the Pulumi Kubernetes
 * Operator deploying this program, or Argo CD syncing the manifests CI rendered.
 */
export const deliverySchema = z.discriminatedUnion(
  "mode",
  [
    z
      .object({ mode: z.literal("none") }, mapping)
      .strict()
      .meta({ description: "No delivery in the cluster: the workflow runs `pulumi up` itself." }),
    z
      .object(
        {
          mode: z.literal("operator"),
          repository: gitRepository.meta({ description: "This program's repository." }),
          branch: gitBranch.default("main").meta({ description: "The branch the stack follows." }),
          path: repositoryFolder
            .default("")
            .meta({ description: "The program's folder in the repository." }),
          stack: z
            .string()
            .regex(/^[A-Za-z0-9._/-]{1,300}$/, {
              error: "must be a stack name such as toolboxai/toolboxai/production",
            })
            .default("")
            .meta({
              description:
                "The stack's name in its backend (`org/project/stack` on Pulumi Cloud); " +
                "empty: the stack's own.",
            }),
          backend: urlWithoutCredentials(stateBackendMessage)
            .regex(/^$|^(https|s3|gs|azblob):\/\/\S+$/, { error: stateBackendMessage })
            .default("")
            .meta({
              description: "The state backend; empty: Pulumi Cloud.",
              allowed: '`""` or `https://…`, `s3://…`, `gs://…` or `azblob://…`',
            }),
          credentialsSecret: dnsLabel.meta({
            description:
              "A Secret in the delivery namespace, made outside the program, holding " +
              "`PULUMI_ACCESS_TOKEN` (Pulumi Cloud) or `PULUMI_CONFIG_PASSPHRASE` (other backends).",
          }),
          operatorNamespace: dnsLabel
            .default("pulumi-kubernetes-operator")
            .meta({ description: "Where the operator runs: its pods call the workspace's agent." }),
          resyncMinutes: intRange(1, 1440).default(10).meta({
            description:
              "How often the stack is refreshed and updated even without a new commit (drift).",
          }),
          retryMaxBackoffMinutes: intRange(1, 1440)
            .default(10)
            .meta({ description: "The longest wait between retries of a failed update." }),
        },
        mapping,
      )
      .strict()
      .meta({
        description:
          "The Pulumi Kubernetes Operator deploys this program from its repository, in a " +
          "`<namespace>-delivery` namespace.",
      }),
    z
      .object(
        {
          mode: z.literal("argocd"),
          repository: gitRepository.meta({
            description: "The repository CI pushes the rendered manifests to.",
          }),
          branch: gitBranch.default("deploy").meta({ description: "Their branch." }),
          path: repositoryFolder.default("manifests").meta({
            description:
              "Their folder: the stack's manifests go to `<path>/<stack>` " +
              "(components/delivery/argocd.ts).",
          }),
          argocdNamespace: dnsLabel.default("argocd").meta({
            description: "Where Argo CD runs (its Applications and AppProjects live there).",
          }),
          retryLimit: intRange(1, 20)
            .default(5)
            .meta({ description: "The most sync attempts of a failed sync." }),
        },
        mapping,
      )
      .strict()
      .meta({ description: "CI renders the manifests and pushes them; Argo CD syncs them." }),
  ],
  {
    error:
      "must have mode: none, operator (with repository, credentialsSecret) or argocd (with repository)",
  },
);
export type DeliverySettings = z.output<typeof deliverySchema>;
