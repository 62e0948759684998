// Scheduling priority: two PriorityClasses per environment, so that under pressure the scheduler
// evicts Celery workers and UIs before the data stores, the gateway and the API.
import * as k8s from "./api";
import * as pulumi from "@pulumi/pulumi";
import type { Priority } from "../model/workload";
import { recommendedLabels, type LabelContext } from "./labels";

/** Values well below system-cluster-critical (2000000000), and apart so others fit between. */
export const priorityValues: Readonly<Record<Priority, number>> = {
  critical: 100000,
  standard: 10000,
};

export function priorityClassName(instance: string, priority: Priority): string {
  return `${instance}-${priority}`;
}

export class PriorityClasses extends pulumi.ComponentResource {
  /** Class name per priority, for pod templates. */
  readonly names: Readonly<Record<Priority, string>>;

  constructor(name: string, args: LabelContext, opts?: pulumi.ComponentResourceOptions) {
    super("toolboxai:kubernetes:PriorityClasses", name, {}, opts);
    const names = {} as Record<Priority, string>;
    for (const priority of Object.keys(priorityValues) as Priority[]) {
      const className = priorityClassName(args.instance, priority);
      new k8s.scheduling.v1.PriorityClass(
        `${name}-${priority}`,
        {
          metadata: { name: className, labels: recommendedLabels(className, "scheduling", args) },
          value: priorityValues[priority],
          globalDefault: false,
          preemptionPolicy: "PreemptLowerPriority",
          description: `ToolboxAI ${args.instance}: ${priority} workloads`,
        },
        { parent: this },
      );
      names[priority] = className;
    }
    this.names = names;
    this.registerOutputs({ names });
  }
}
