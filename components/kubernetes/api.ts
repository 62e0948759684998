// The parts of @pulumi/kubernetes this program uses, each imported from its own module:
// the package's index loads every API group it knows (and Helm, kustomize and YAML support with
// their dependencies), a tenth of a second at every start of a preview. Import this as `k8s`;
// it reads as the package does (`k8s.apps.v1.Deployment`, `k8s.types.input...`).
import * as admissionregistrationV1 from "@pulumi/kubernetes/admissionregistration/v1";
import * as apiextensionsV1 from "@pulumi/kubernetes/apiextensions/v1";
import * as appsV1 from "@pulumi/kubernetes/apps/v1";
import * as autoscalingV2 from "@pulumi/kubernetes/autoscaling/v2";
import * as batchV1 from "@pulumi/kubernetes/batch/v1";
import * as coreV1 from "@pulumi/kubernetes/core/v1";
import * as networkingV1 from "@pulumi/kubernetes/networking/v1";
import * as policyV1 from "@pulumi/kubernetes/policy/v1";
import * as rbacV1 from "@pulumi/kubernetes/rbac/v1";
import * as schedulingV1 from "@pulumi/kubernetes/scheduling/v1";

export { Provider } from "@pulumi/kubernetes/provider";
export { CustomResource } from "@pulumi/kubernetes/apiextensions/customResource";
export type * as types from "@pulumi/kubernetes/types";
export const admissionregistration = { v1: admissionregistrationV1 };
export const apiextensions = { v1: apiextensionsV1 };
export const apps = { v1: appsV1 };
export const autoscaling = { v2: autoscalingV2 };
export const batch = { v1: batchV1 };
export const core = { v1: coreV1 };
export const networking = { v1: networkingV1 };
export const policy = { v1: policyV1 };
export const rbac = { v1: rbacV1 };
export const scheduling = { v1: schedulingV1 };
