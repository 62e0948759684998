// The local Docker engine of `platform: docker` (`toolboxai:docker`).
import { z } from "zod";
import { intRange, mapping } from "./primitives";

const dockerHostMessage =
  "must be empty (the DOCKER_HOST variable or the local socket) or a unix://, tcp:// or " +
  "ssh:// address of a Docker engine";
const ipv4Message = "must be an IPv4 address such as 127.0.0.1";

/** The local Docker engine of `platform: docker` (components/docker). */
export const dockerSchema = z
  .object(
    {
      host: z
        .string({ error: dockerHostMessage })
        .regex(/^$|^(unix|tcp|ssh):\/\/\S+$/, { error: dockerHostMessage })
        .default("")
        .meta({
          description: "The Docker engine; empty: the `DOCKER_HOST` variable or the local socket.",
          allowed: '`""` or a `unix://`, `tcp://` or `ssh://` address',
        }),
      publishAddress: z
        .string({ error: ipv4Message })
        .regex(/^((25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(25[0-5]|2[0-4]\d|1?\d?\d)$/, {
          error: ipv4Message,
        })
        .default("127.0.0.1")
        .meta({
          description:
            "The host address the gateway's port binds to; `127.0.0.1` keeps it off the network.",
          allowed: "IPv4 address",
        }),
      gatewayPort: intRange(1024, 65535).default(8080).meta({
        description:
          "The host port of the gateway: the platform is at `http://<domain>:<gatewayPort>`.",
      }),
    },
    mapping,
  )
  .strict();
export type DockerSettings = z.output<typeof dockerSchema>;
