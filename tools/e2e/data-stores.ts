// The deployed data stores, read and written from inside their own containers (kubectl exec): the
// passwords stay in the pods, read from their secret files by the pods' own shells.
import { eventually, type ControlPlane } from "./control-plane";
import { sentinelMaster, sentinelPort } from "../../components/data/redis";
import { shellQuote } from "./restore";

export interface DataStores {
  /**
   * Runs SQL with psql in postgres-0 as the application's user, or in a CloudNativePG cluster's
   * primary as the superuser; its output (`-At`), or throws.
   */
  psql(sql: string): string;
  /** Runs redis-cli in Redis's primary with the password; its output, or throws. */
  redis(...words: string[]): string;
}

/**
 * Closes a CloudNativePG cluster's current WAL segment and waits until its archive holds it: what
 * was written before is then in the bucket. Returns the seconds the archive took.
 */
export async function archiveCurrentWal(psql: DataStores["psql"]): Promise<number> {
  const segment = psql("SELECT pg_walfile_name(pg_switch_wal())");
  const started = performance.now();
  const late = await eventually(300, () =>
    psql("SELECT last_archived_wal FROM pg_stat_archiver") >= segment
      ? []
      : [`${segment} not archived yet`],
  );
  if (late.length > 0) throw new Error(late.join("\n"));
  return Math.round((performance.now() - started) / 100) / 10;
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
  /** A CloudNativePG cluster's primary and its database, when the stack runs one. */
  const clusterPrimary = (): { pod: string; database: string } | undefined => {
    const read = (args: readonly string[]) =>
      controlPlane()
        .kubectl([...args, "--namespace", namespace(), "--ignore-not-found"])
        .output.trim();
    const pod = read([
      "get",
      "pods",
      "--selector",
      "cnpg.io/cluster=postgres,cnpg.io/instanceRole=primary",
      "--output",
      "jsonpath={.items[*].metadata.name}",
    ]);
    if (pod === "") return undefined;
    const database = read([
      "get",
      "clusters.postgresql.cnpg.io",
      "postgres",
      "--output",
      "jsonpath={.spec.bootstrap.initdb.database}",
    ]);
    return { pod, database };
  };
  return {
    psql: (sql) => {
      const primary = clusterPrimary();
      // The cluster's pods run as postgres, the superuser by peer authentication on its socket.
      return primary
        ? inContainer(
            primary.pod,
            "postgres",
            `psql -v ON_ERROR_STOP=1 -At -d ${shellQuote(primary.database)} -c ` + shellQuote(sql),
          )
        : inContainer(
            "postgres-0",
            "postgres",
            'psql -v ON_ERROR_STOP=1 -At -U "$POSTGRES_USER" -d "$POSTGRES_DB" -c ' +
              shellQuote(sql),
          );
    },
    redis: (...words) => {
      const auth = 'REDISCLI_AUTH="$(cat /run/secrets/redis-password)" ';
      return inContainer(
        redisPrimary(auth),
        "redis",
        `${auth}redis-cli ` + words.map(shellQuote).join(" "),
      );
    },
  };
  /**
   * The pod of Redis's primary: in Sentinel mode the one redis-0's Sentinel names (a failover
   * moves it), else redis-0.
   */
  function redisPrimary(auth: string): string {
    const sentinel = controlPlane().kubectl([
      "exec",
      "redis-0",
      "--namespace",
      namespace(),
      "--container",
      "sentinel",
      "--",
      "sh",
      "-c",
      `${auth}redis-cli -p ${sentinelPort} SENTINEL get-master-addr-by-name ${sentinelMaster}`,
    ]);
    if (sentinel.code !== 0) {
      // No Sentinel beside the server: one server.
      if (/container sentinel is not valid/.test(sentinel.output)) return "redis-0";
      throw new Error(`redis-0's Sentinel did not answer:\n${sentinel.output}`);
    }
    const host = sentinel.output.trim().split("\n")[0];
    if (!/^redis-\d+\.redis$/.test(host)) throw new Error(`redis-0's Sentinel names ${host}`);
    return host.split(".")[0];
  }
}
