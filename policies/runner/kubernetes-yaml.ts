// YAML documents decoded into the objects kubectl would send. The `yaml` library parses (with the
// failsafe schema, so that every scalar stays text and keeps its quoting and tag); this walk then
// gives each node the meaning go-yaml v2 (sigs.k8s.io/yaml) gives it: scalars as in
// ./yaml-scalars, merge keys (`<<`) applied where they stand so that a later key wins either way
// (go-yaml lets a merge override the keys before it, unlike the YAML 1.1 spec), and map keys made
// strings as sigs.k8s.io/yaml makes them. What kubectl would refuse or that JSON cannot hold is
// refused, naming where: unsupported tags, non-finite numbers, keys that are not scalars.
import {
  isAlias,
  isMap,
  isScalar,
  isSeq,
  parseAllDocuments,
  Scalar,
  type Alias,
  type Node,
  type YAMLMap,
} from "yaml";
import { resolveScalar, type Resolved } from "./yaml-scalars";

/**
 * Deepest nesting accepted. No Kubernetes object comes near it (a large CRD's schema nests about
 * 100 deep), and it keeps every recursive step after reading (this walk, the runner's copy, the
 * policies) far from Node's stack limit: 100,000 nested `[` in JSON otherwise crash the run. (The
 * yaml library's own parser stops, with an error, at about 800 nested flow collections.)
 */
export const maxNestingDepth = 500;

/**
 * Most nodes one document may build by expanding aliases. Real manifests alias a few blocks;
 * an alias bomb ("billion laughs") would otherwise build billions of nodes.
 */
export const maxAliasedNodes = 100_000;

/** A document that cannot be decoded; `index` is its position in the file, when known. */
export class DocumentError extends Error {
  constructor(
    readonly index: number | undefined,
    message: string,
  ) {
    super(message);
  }
}

const yamlTag = (name: string) => `tag:yaml.org,2002:${name}`;
const shortTag = (tag: string) => tag.replace(yamlTag(""), "!!");
const scalarTags = new Map<string, Resolved["tag"]>(
  (["str", "bool", "int", "float", "null"] as const).map((name) => [yamlTag(name), name]),
);
const supportedTags = "!!str, !!int, !!float, !!bool, !!null, !!map, !!seq and !!merge";

const join = (path: string, key: string) => (path === "" ? key : `${path}.${key}`);

/** Sets a key as JSON.parse does: `__proto__` is an own property, not the prototype. */
function setKey(object: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(object, key, {
    value,
    writable: true,
    enumerable: true,
    configurable: true,
  });
}

/** Walks one document's nodes in document order, as go-yaml decodes them. */
class Decoder {
  private readonly anchors = new Map<string, Node>();
  /** Anchored nodes being decoded: an alias to one of them would never end. */
  private readonly open = new Set<Node>();
  private aliasDepth = 0;
  private aliasedNodes = 0;

  decode(node: unknown, path: string, depth: number): unknown {
    if (node === null || node === undefined) return null;
    if (depth > maxNestingDepth) {
      this.fail(
        path,
        `nested deeper than ${maxNestingDepth} levels; no Kubernetes object needs that`,
      );
    }
    if (isAlias(node)) return this.alias(node, path, depth);
    if (this.aliasDepth > 0 && ++this.aliasedNodes > maxAliasedNodes) {
      this.fail(path, `aliases expand to more than ${maxAliasedNodes} nodes (an alias bomb?)`);
    }
    const anchored = (node as Node).anchor;
    if (anchored !== undefined) {
      if (this.aliasDepth === 0) this.anchors.set(anchored, node as Node);
      this.open.add(node as Node);
    }
    try {
      if (isScalar(node)) return this.scalar(node, path).value;
      if (isMap(node)) return this.mapping(node, path, depth);
      if (isSeq(node)) {
        this.requireTag(node.tag, "seq", path);
        return node.items.map((item, index) => this.decode(item, `${path}[${index}]`, depth + 1));
      }
    } finally {
      this.open.delete(node as Node);
    }
    return this.fail(path, "not a YAML mapping, sequence or scalar");
  }

  private fail(path: string, problem: string): never {
    throw new Error(`${path === "" ? "the document" : path}: ${problem}`);
  }

  private requireTag(tag: string | undefined, kind: "map" | "seq", path: string): void {
    if (tag !== undefined && tag !== yamlTag(kind)) {
      this.fail(path, `YAML tag ${shortTag(tag)} is not supported here; use ${supportedTags}`);
    }
  }

  private alias(node: Alias, path: string, depth: number): unknown {
    const target = this.anchors.get(node.source);
    if (target === undefined) this.fail(path, `alias *${node.source} has no anchor before it`);
    if (this.open.has(target)) this.fail(path, `alias *${node.source} is inside its own anchor`);
    this.aliasDepth += 1;
    try {
      return this.decode(target, path, depth);
    } finally {
      this.aliasDepth -= 1;
    }
  }

  private scalar(node: Scalar, path: string): Resolved {
    const text = String(node.value);
    const tag = node.tag;
    if (tag === undefined && node.type !== Scalar.PLAIN) return { tag: "str", value: text };
    const wanted = tag === undefined ? undefined : scalarTags.get(tag);
    if (tag !== undefined && wanted === undefined) {
      this.fail(path, `YAML tag ${shortTag(tag)} is not supported; use ${supportedTags}`);
    }
    if (wanted === "str") return { tag: "str", value: text };
    const resolved = resolveScalar(text);
    if (wanted !== undefined && wanted !== resolved.tag) {
      // go-yaml reads an int where a float is asked for; any other mismatch is an error there.
      if (!(wanted === "float" && resolved.tag === "int")) {
        this.fail(path, `${JSON.stringify(text)} is not a valid !!${wanted}`);
      }
    }
    if (typeof resolved.value === "number" && !Number.isFinite(resolved.value)) {
      this.fail(path, `${text} is not a number JSON can hold; write a finite number or quote it`);
    }
    return resolved;
  }

  private isMergeKey(key: unknown): boolean {
    return (
      isScalar(key) &&
      key.value === "<<" &&
      ((key.type === Scalar.PLAIN && key.tag === undefined) || key.tag === yamlTag("merge"))
    );
  }

  /** A key as sigs.k8s.io/yaml makes it a JSON key; other keys are refused, as there. */
  private key(node: unknown, path: string, depth: number): string {
    const target = isAlias(node) ? this.anchors.get(node.source) : node;
    if (isScalar(target)) {
      this.decode(node, path, depth); // anchors, alias limits and tags
      const { tag, value } = this.scalar(target, path);
      if (tag === "str") return value;
      if (tag === "bool" || (tag === "int" && Number.isSafeInteger(value))) return String(value);
    }
    return this.fail(
      path,
      "a mapping key must be a string, a boolean or an integer (kubectl makes those strings)",
    );
  }

  private mapping(node: YAMLMap, path: string, depth: number): Record<string, unknown> {
    this.requireTag(node.tag, "map", path);
    const object: Record<string, unknown> = {};
    const explicit = new Set<string>();
    for (const pair of node.items) {
      if (this.isMergeKey(pair.key)) {
        this.merge(object, pair.value, join(path, "<<"), depth + 1);
        continue;
      }
      const key = this.key(pair.key, path, depth + 1);
      const child = join(path, key);
      if (explicit.has(key)) this.fail(child, "duplicate key (kubectl would keep the last one)");
      explicit.add(key);
      setKey(object, key, this.decode(pair.value, child, depth + 1));
    }
    return object;
  }

  /**
   * go-yaml's merge: the mapping (or each mapping of a sequence, the first winning) is written
   * over the keys set so far; keys after the `<<` overwrite it in turn.
   */
  private merge(object: Record<string, unknown>, value: unknown, path: string, depth: number) {
    // An alias to a sequence is refused, as by go-yaml: only a written sequence lists mappings.
    if (isSeq(value)) {
      this.requireTag(value.tag, "seq", path);
      if (value.anchor !== undefined && this.aliasDepth === 0)
        this.anchors.set(value.anchor, value);
    }
    const sources = isSeq(value) ? [...(value.items as unknown[])].reverse() : [value];
    for (const source of sources) {
      const merged = this.decode(source, path, depth);
      if (merged === null || typeof merged !== "object" || Array.isArray(merged)) {
        this.fail(path, "a merge key (<<) takes a mapping or a sequence of mappings");
      }
      for (const [key, item] of Object.entries(merged)) setKey(object, key, item);
    }
  }
}

/**
 * The documents of a YAML stream, each decoded as kubectl decodes it (null for an empty one).
 * Throws a DocumentError naming the document and the place in it.
 */
export function decodeYamlDocuments(text: string): unknown[] {
  let documents;
  try {
    documents = parseAllDocuments(text, {
      version: "1.1",
      schema: "failsafe",
      resolveKnownTags: false,
      uniqueKeys: false, // the decoder refuses duplicates once keys are resolved (`yes` = `true`)
    });
  } catch (error) {
    throw new DocumentError(undefined, `invalid YAML: ${(error as Error).message}`);
  }
  return [...documents].map((document, index) => {
    if (document.errors.length > 0) {
      throw new DocumentError(index, `invalid YAML: ${document.errors[0].message}`);
    }
    try {
      return new Decoder().decode(document.contents, "", 0);
    } catch (error) {
      throw new DocumentError(index, (error as Error).message);
    }
  });
}
