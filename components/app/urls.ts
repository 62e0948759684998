// How the apps address each other inside the platform.

/** An in-cluster HTTP URL. */
export function httpUrl(endpoint: { host: string; port: number }, path = ""): string {
  return `http://${endpoint.host}:${endpoint.port}${path}`;
}
