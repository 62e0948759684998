// A stand-in for an S3-compatible server, for what moto cannot be made to do: answer one page of a
// bucket listing with an error, a foreign answer or a truncated page without a continuation
// token. It serves ListObjectsV2 pages as given (each page but the last says it is truncated)
// and plain GET, HEAD, PUT and DELETE of objects, on 127.0.0.1. It checks no signature.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** One page of the listing: keys, or a raw answer (a failure or something that is not S3's). */
export type FakeListPage =
  | { readonly keys: readonly string[]; readonly withoutToken?: boolean }
  | { readonly status: number; readonly body: string };

export interface FakeS3StandIn {
  readonly endpoint: string;
  /** The bucket's objects, by key: what the scripts stored, and what the test put there. */
  readonly objects: Map<string, Buffer>;
  /** Every request, as `METHOD /path?query`, in order. */
  readonly requests: string[];
  stop(): Promise<void>;
}

const escapeXml = (text: string) =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

function listPage(bucket: string, page: FakeListPage, index: number, last: boolean) {
  if ("status" in page) return page;
  const truncated = !last;
  const token = truncated && !page.withoutToken ? `page-${index + 1}` : undefined;
  const body = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">',
    `<Name>${escapeXml(bucket)}</Name><KeyCount>${page.keys.length}</KeyCount>`,
    `<MaxKeys>1000</MaxKeys><IsTruncated>${truncated}</IsTruncated>`,
    ...page.keys.map((key) => `<Contents><Key>${escapeXml(key)}</Key></Contents>`),
    token ? `<NextContinuationToken>${token}</NextContinuationToken>` : "",
    "</ListBucketResult>",
  ].join("");
  return { status: 200, body };
}

/** Starts the stand-in for `bucket`, whose listing is `pages`, in order. */
export async function startFakeS3StandIn(
  bucket: string,
  pages: readonly FakeListPage[],
): Promise<FakeS3StandIn> {
  const objects = new Map<string, Buffer>();
  const requests: string[] = [];
  const answer = (response: ServerResponse, status: number, body: string | Buffer = "") => {
    response.writeHead(status, { "content-length": Buffer.byteLength(body) });
    response.end(body);
  };
  const handle = (request: IncomingMessage, body: Buffer, response: ServerResponse) => {
    const url = new URL(request.url ?? "/", "http://stand-in");
    requests.push(`${request.method} ${url.pathname}${url.search}`);
    const [, first, ...rest] = url.pathname.split("/");
    if (decodeURIComponent(first) !== bucket) return answer(response, 404, "NoSuchBucket");
    const key = decodeURIComponent(rest.join("/"));
    if (request.method === "GET" && key === "" && url.searchParams.get("list-type") === "2") {
      const token = url.searchParams.get("continuation-token");
      const index = token ? Number(token.replace(/^page-/, "")) : 0;
      const page = pages[index];
      if (!page) return answer(response, 400, "InvalidContinuationToken");
      const { status, body: listing } = listPage(bucket, page, index, index === pages.length - 1);
      return answer(response, status, listing);
    }
    const stored = objects.get(key);
    switch (request.method) {
      case "GET":
        return stored ? answer(response, 200, stored) : answer(response, 404, "NoSuchKey");
      case "HEAD":
        response.writeHead(stored ? 200 : 404, { "content-length": stored?.length ?? 0 });
        return response.end();
      case "PUT":
        objects.set(key, body);
        return answer(response, 200);
      case "DELETE":
        objects.delete(key);
        return answer(response, 204);
      default:
        return answer(response, 501, "NotImplemented");
    }
  };
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => handle(request, Buffer.concat(chunks), response));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    objects,
    requests,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
