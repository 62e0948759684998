// Cross-field rules of `database`: keys only a CloudNativePG cluster reads are refused with the
// single engine, and the synchronous standbys must be fewer than the instances.
import { fullKey, show, type ConfigProblem } from "./problems";
import { databaseSchema, type StackConfig } from "./schema";

const clusterOnlyKeys = [
  "instances",
  "synchronousStandbys",
  "antiAffinity",
  "operator",
  "operatorNamespace",
] as const;

/** A service's settings that the engine does not run: refused, not ignored. */
function unreadService(
  config: Pick<StackConfig, "services">,
  name: "postgresExporter" | "postgresOperator",
  why: string,
): ConfigProblem[] {
  return config.services[name] === undefined
    ? []
    : [
        {
          key: fullKey(["services", name]),
          message: `is set, but ${why}: nothing reads it; remove it`,
        },
      ];
}

export function databaseProblems(
  config: Pick<StackConfig, "database" | "services">,
): ConfigProblem[] {
  const { database } = config;
  if (database.engine === "single") {
    const defaults = databaseSchema.parse({});
    return [
      ...unreadService(config, "postgresOperator", "database.engine is single"),
      ...clusterOnlyKeys
        .filter((key) => database[key] !== defaults[key])
        .map((key) => ({
          key: fullKey(["database", key]),
          shownValue: show(database[key]),
          message:
            "is set, but database.engine is single: nothing reads it; remove it (it applies to " +
            "engine: cloudnative-pg)",
        })),
    ];
  }
  const problems = [
    ...unreadService(
      config,
      "postgresExporter",
      "database.engine is cloudnative-pg, whose instances export their own metrics",
    ),
    ...(database.operator === "existing"
      ? unreadService(config, "postgresOperator", "database.operator is existing")
      : []),
  ];
  if (database.synchronousStandbys >= database.instances) {
    problems.push({
      key: fullKey(["database", "synchronousStandbys"]),
      shownValue: show(database.synchronousStandbys),
      message:
        `must be fewer than database.instances (${database.instances}): each synchronous ` +
        "standby is an instance besides the primary",
    });
  }
  return problems;
}
