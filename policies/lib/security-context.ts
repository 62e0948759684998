// The securityContext values of a pod and its containers, read as Kubernetes applies them.
//
// Where a field exists on both the pod and the container securityContext, Kubernetes applies the
// container's value over the pod's. Checks follow the Pod Security Standards on that: a forbidden
// value is reported where it is written (once for the pod, or for the container that sets it), and
// a required value is missing for a container only when neither it nor the pod sets one.
import type { PodView } from "./define";
import { describeContainer, type ContainerEntry } from "./kubernetes";

/* eslint-disable @typescript-eslint/no-explicit-any -- policy props are untyped JSON */

/** Where a securityContext value is written: the pod, or one container. */
export const podLevel = "pod securityContext";

/**
 * A securityContext field that exists on the pod and on containers. `forbidden` returns what is
 * wrong with a written value (or undefined when it is fine); `missing`, when given, is reported for
 * each container for which neither the container nor the pod writes the field.
 */
export function checkInherited(
  pod: PodView,
  read: (context: any) => unknown,
  forbidden: (value: any) => string | undefined,
  missing?: string,
): string[] {
  const messages: string[] = [];
  const podValue = read(pod.podSpec?.securityContext ?? {});
  if (podValue !== undefined) {
    const problem = forbidden(podValue);
    if (problem) messages.push(`${podLevel} ${problem}`);
  }
  for (const entry of pod.containers) {
    const value = read(entry.container?.securityContext ?? {});
    if (value !== undefined) {
      const problem = forbidden(value);
      if (problem) messages.push(`${describeContainer(entry)} ${problem}`);
    } else if (podValue === undefined && missing) {
      messages.push(`${describeContainer(entry)} ${missing}`);
    }
  }
  return messages;
}

/** Container securityContext fields that have no pod-level counterpart. */
export function containerContext(entry: ContainerEntry): any {
  return entry.container?.securityContext ?? {};
}
