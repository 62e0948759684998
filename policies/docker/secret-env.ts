// Secrets: no secret in a container's environment; secrets come as files.
import { containerRule } from "../lib/docker";
import { secretEnvFinding } from "../lib/secret-scan";
import { describeEnvFinding, detectionOptionsOf, secretDetectionConfig } from "../secrets";

export const dockerNoSecretEnv = containerRule({
  name: "docker-no-secret-env",
  description:
    "Docker container `envs` hold no secret: no literal value for a secret-named variable and " +
    "no value that looks like a key; secrets come as files under /run/secrets with `*_FILE` " +
    "variables (no-literal-secret-env; secrets-as-files; seed Docker Phase 3 tests 1 and 7).",
  severity: "critical",
  enforcementLevel: "mandatory",
  config: secretDetectionConfig,
  remediationSteps:
    "Remove the `NAME=value` entry from `envs`; mount the secret read-only under /run/secrets/ " +
    "(a volume or bind mount of the secret file) and set `NAME_FILE=/run/secrets/<file>`; " +
    "rotate any secret that was committed.",
  check: (props, config) => {
    const options = detectionOptionsOf(config);
    const messages: string[] = [];
    for (const entry of props.envs ?? []) {
      const text = String(entry);
      const separator = text.indexOf("=");
      if (separator <= 0) continue;
      const name = text.slice(0, separator);
      const finding = secretEnvFinding(name, text.slice(separator + 1), options);
      if (finding)
        messages.push(describeEnvFinding(name, finding, String(options.secretMountPrefix)));
    }
    return messages;
  },
});
