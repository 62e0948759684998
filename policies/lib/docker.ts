// The @pulumi/docker resource types the Docker policies read, and the rule over a Container's inputs.
import { resourceRule, type RuleConfig, type RuleInfo } from "./define";

/* eslint-disable @typescript-eslint/no-explicit-any -- policy props are untyped JSON */

export const dockerContainerType = "docker:index/container:Container";
export const dockerNetworkType = "docker:index/network:Network";
export const dockerRemoteImageType = "docker:index/remoteImage:RemoteImage";

/** A rule over `docker.Container` inputs. */
export function containerRule(
  info: RuleInfo & { readonly check: (props: any, config: RuleConfig) => readonly string[] },
) {
  return resourceRule({
    ...info,
    appliesTo: (type) => type === dockerContainerType,
    check: (resource, config) => info.check(resource.props, config),
  });
}
