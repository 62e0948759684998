// The deployed data stores, read and written from inside their own containers (kubectl exec): the
// passwords stay in the pods, read from their secret files by the pods' own shells.
import type { ControlPlane } from "./control-plane";
import { shellQuote } from "./restore";

export interface DataStores {
  /** Runs SQL with psql in postgres-0 as the application's user; its output (`-At`), or throws. */
  psql(sql: string): string;
  /** Runs redis-cli in redis-0 with the password; its output, or throws. */
  redis(...words: string[]): string;
}

/** The data stores in `namespace()`: both read when a command runs (after the stack is deployed). */
export function dataStores(controlPlane: () => ControlPlane, namespace: () => string): DataStores {
  const inContainer = (pod: string, container: string, command: string): string => {
    const result = controlPlane().kubectl([
      "exec",
      pod,
      "--namespace",
      namespace(),
      "--container",
      container,
      "--",
      "sh",
      "-c",
      command,
    ]);
    if (result.code !== 0) throw new Error(`${pod}/${container}: ${command}:\n${result.output}`);
    return result.output.trim();
  };
  return {
    psql: (sql) =>
      inContainer(
        "postgres-0",
        "postgres",
        'psql -v ON_ERROR_STOP=1 -At -U "$POSTGRES_USER" -d "$POSTGRES_DB" -c ' + shellQuote(sql),
      ),
    redis: (...words) =>
      inContainer(
        "redis-0",
        "redis",
        'REDISCLI_AUTH="$(cat /run/secrets/redis-password)" redis-cli ' +
          words.map(shellQuote).join(" "),
      ),
  };
}
