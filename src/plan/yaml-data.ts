// Reading a YAML file (a plan or a testbed) into plain data plus an index of where each value
// stands, so that every problem, the YAML's own and the schema's, is reported as
// `file:line:col path: message` (PlanError, exit 2) — in time linear in the file's size.
//
// The YAML library parses; turning its nodes into data is ours, because the library accepts
// silently, reports without a position, or takes quadratic time on what a hostile file holds:
// a key repeated (directly, through an alias, through a merge key `<<`, or spelt twice as `1` and
// `"1"`), an alias to no anchor or to the collection that contains it, aliases that expand past a
// bound, keys that are lists or mappings, nesting past a bound, and a file without end.
import { type FileHandle, open } from 'node:fs/promises';
import { LineCounter, isAlias, isMap, isPair, isScalar, isSeq, parseDocument, type Node, type Pair } from 'yaml';
import type { z } from 'zod';
import { PlanError, type PlanDiagnostic } from '../common/errors.js';
import { closest } from './suggest.js';

/** A plan or testbed is a few hundred bytes: a larger file is refused before it is parsed. */
export const MAX_FILE_BYTES = 1 << 20;
/** A plan is four levels deep; deeper data only costs time (and the stack) further on. */
const MAX_DEPTH = 64;
/** Nodes that aliases may repeat, all together (a few anchors share settings; a "billion laughs" does not pass). */
const MAX_ALIAS_NODES = 10_000;
/** Characters of an offending value or key quoted back in a message. */
const QUOTE_CHARS = 80;
/**
 * Problems listed at most, in file order; the rest are counted in one last line, not located. A
 * reader fixes the first ones first, and a hostile file (150,000 unknown keys in 1 MiB) is then
 * judged in time: locating and printing every line was a fifth of it.
 */
export const MAX_LISTED_PROBLEMS = 1000;

export type FieldPath = readonly (string | number)[];

export interface YamlData {
  file: string;
  /** The document as plain data: mappings as objects, sequences as arrays, aliases resolved. */
  data: unknown;
  /**
   * A diagnostic at the value (with `key`: the key) at `path`, or at its nearest existing
   * ancestor, whose path it then names unless `fullPath` (a required field that is missing).
   */
  diagnostic(path: FieldPath, message: string, options?: { key?: boolean; fullPath?: boolean }): PlanDiagnostic;
  /** How many parts of `path` exist in the file (a shorter count: the rest is missing). */
  depthOf(path: FieldPath): number;
  /** Where the value at `path` was written (for files named relative to this one, and the like). */
  valueAt(path: FieldPath): unknown;
}

/**
 * The text of `file`, read up to `MAX_FILE_BYTES` (so a device or a pipe without end is refused
 * too). Throws an Error whose message is a short reason: no such file, is a directory, ….
 */
export async function readBoundedText(file: string): Promise<string> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(file, 'r');
    const buffer = Buffer.alloc(MAX_FILE_BYTES + 1);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > MAX_FILE_BYTES) throw new Error(`larger than ${MAX_FILE_BYTES >> 20} MiB`);
    return buffer.toString('utf8', 0, length);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === undefined) throw cause;
    throw new Error({ ENOENT: 'no such file', EISDIR: 'is a directory', EACCES: 'permission denied' }[code] ?? code, {
      cause,
    });
  } finally {
    await handle?.close();
  }
}

/** Parses YAML text into data and its position index; throws PlanError listing every YAML problem. */
export function parseYaml(source: string, file: string): YamlData {
  const lineCounter = new LineCounter();
  const at = (offset: number, path: string, message: string): PlanDiagnostic => ({
    file,
    ...lineCounter.linePos(offset),
    path,
    message,
  });
  if (source.length > MAX_FILE_BYTES) {
    throw new PlanError([
      at(
        0,
        '',
        `the file holds ${source.length} characters, more than the ${MAX_FILE_BYTES} a plan or testbed file may hold`,
      ),
    ]);
  }
  // uniqueKeys: false — the library's own check compares each key with every earlier one
  // (quadratic); ours below uses a Map, and also sees keys repeated through aliases and merges.
  const doc = withPlainEnv(() => parseDocument(source, { lineCounter, prettyErrors: false, uniqueKeys: false }));
  if (doc.errors.length > 0) {
    throw new PlanError(
      listed(
        doc.errors.map((e) =>
          at(
            e.pos[0],
            '',
            `invalid YAML: ${
              e.code === 'MULTIPLE_DOCS' ? 'a second document (after ---): the file holds one' : yamlMessage(e.message)
            }`,
          ),
        ),
      ),
    );
  }
  const reader = new DataReader((node, message) => at(offsetOf(node), '', `invalid YAML: ${message}`));
  const data = reader.read(doc.contents as Node | null);
  if (reader.problems.length > 0) throw new PlanError(listed(reader.problems));
  const located = (path: FieldPath, key: boolean) => reader.locate(data, doc.contents as Node | null, path, key);
  return {
    file,
    data,
    diagnostic: (path, message, options = {}) => {
      const { node, depth } = located(path, options.key ?? false);
      return at(offsetOf(node), formatPath(options.fullPath ? path : path.slice(0, depth)), message);
    },
    depthOf: (path) => located(path, false).depth,
    valueAt: (path) => located(path, false).value,
  };
}

/**
 * Runs `f` with `process.env` a plain copy of the environment. The YAML library reads
 * `process.env.LOG_TOKENS` once per token, and each read of the real `process.env` asks the C++
 * side: a fifth of the parse of a large file. `f` is synchronous, so nothing else sees the copy.
 */
function withPlainEnv<T>(f: () => T): T {
  const env = process.env;
  process.env = { ...env };
  try {
    return f();
  } finally {
    process.env = env;
  }
}

/** The library's message, its first line, without a long quote of the source. */
function yamlMessage(message: string): string {
  const line = message.split('\n')[0] ?? message;
  if (/Maximum call stack/.test(line)) return 'nested too deeply';
  return clip(line, 2 * QUOTE_CHARS);
}

function offsetOf(node: Node | null | undefined): number {
  return node?.range?.[0] ?? 0;
}

interface MapEntry {
  key: Node | null;
  value: Node | null;
}
type Index = { kind: 'map'; entries: Map<string, MapEntry> } | { kind: 'seq'; items: (Node | null)[] };
interface Anchor {
  open: boolean;
  value: unknown;
  depth: number;
  size: number;
}
interface Read {
  value: unknown;
  depth: number;
  size: number;
}

/**
 * YAML nodes → plain data, in one pass in document order: anchors are recorded as they are met
 * (an alias refers to the latest anchor before it), and each mapping and sequence made is indexed
 * by its nodes so that a path can be located later without searching.
 */
class DataReader {
  readonly problems: PlanDiagnostic[] = [];
  private readonly anchors = new Map<string, Anchor>();
  private readonly index = new WeakMap<object, Index>();
  private aliasNodes = 0;

  constructor(private readonly problem: (node: Node | null, message: string) => PlanDiagnostic) {}

  read(root: Node | null): unknown {
    return this.node(root, 0).value;
  }

  private node(node: Node | null, depth: number): Read {
    if (depth > MAX_DEPTH) {
      this.problems.push(this.problem(node, `nested more than ${MAX_DEPTH} levels deep`));
      return { value: null, depth: 0, size: 1 };
    }
    if (node === null) return { value: null, depth: 0, size: 1 };
    if (isAlias(node)) return this.alias(node, depth);
    const anchor = node.anchor;
    if (anchor !== undefined) this.anchors.set(anchor, { open: true, value: null, depth: 0, size: 0 });
    const read = this.value(node, depth);
    if (anchor !== undefined) this.anchors.set(anchor, { open: false, ...read });
    return read;
  }

  private value(node: Node, depth: number): Read {
    if (isScalar(node)) return { value: node.value, depth: 0, size: 1 };
    if (isMap(node)) return this.mapping(node.items as Pair[], node, depth);
    if (isSeq(node)) {
      const list: unknown[] = [];
      const items: (Node | null)[] = [];
      let deepest = 0;
      let size = 1;
      for (const item of node.items as unknown[]) {
        // A pair in a sequence (`!!omap [a: 1]`) is a mapping of one key.
        const read = isPair(item)
          ? this.mapping([item], item.key as Node | null, depth + 1)
          : this.node(item as Node | null, depth + 1);
        list.push(read.value);
        items.push(isPair(item) ? (item.key as Node | null) : (item as Node | null));
        deepest = Math.max(deepest, read.depth + 1);
        size += read.size;
      }
      this.index.set(list, { kind: 'seq', items });
      return { value: list, depth: deepest, size };
    }
    this.problems.push(this.problem(node, 'unsupported YAML node'));
    return { value: null, depth: 0, size: 1 };
  }

  private alias(node: Node & { source: string }, depth: number): Read {
    const anchor = this.anchors.get(node.source);
    const name = clip(node.source, QUOTE_CHARS);
    if (anchor === undefined) {
      this.problems.push(this.problem(node, `alias *${name} refers to no anchor: write &${name} on a value before it`));
    } else if (anchor.open) {
      this.problems.push(this.problem(node, `alias *${name} refers to a collection that contains it`));
    } else if (depth + anchor.depth > MAX_DEPTH) {
      this.problems.push(this.problem(node, `alias *${name} nests the data more than ${MAX_DEPTH} levels deep`));
    } else {
      this.aliasNodes += anchor.size;
      if (this.aliasNodes <= MAX_ALIAS_NODES) return { value: anchor.value, depth: anchor.depth, size: anchor.size };
      // Reported once, at the alias that went past the bound.
      if (this.aliasNodes - anchor.size <= MAX_ALIAS_NODES) {
        this.problems.push(
          this.problem(node, `aliases repeat more than ${MAX_ALIAS_NODES} values: write the values out`),
        );
      }
    }
    return { value: null, depth: 0, size: 1 };
  }

  private mapping(pairs: readonly Pair[], at: Node | null, depth: number): Read {
    const object: Record<string, unknown> = {};
    const entries = new Map<string, MapEntry>();
    let deepest = 0;
    let size = 1;
    // The first of two equal keys stays; the second is reported where it was written (for a
    // merged key: at the merge key).
    const add = (key: string, entry: MapEntry, value: unknown, writtenAt: Node | null, via: string) => {
      const first = entries.get(key);
      if (first) {
        const { line, col } = this.problem(first.key ?? at, '');
        this.problems.push(
          this.problem(writtenAt, `key ${quote(key)} appears twice in one mapping${via} (first at ${line}:${col})`),
        );
        return;
      }
      entries.set(key, entry);
      // A key `__proto__` is data here, not the object's prototype: defined, not assigned (only
      // that key: defineProperty on every key costs half as much again on a large mapping).
      if (key === '__proto__')
        Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
      else object[key] = value;
    };
    for (const pair of pairs) {
      const keyNode = pair.key as Node | null;
      const valueNode = pair.value as Node | null;
      // The library marks a merge key (YAML 1.1, `<<: *defaults`) with a symbol.
      const merge = isScalar(keyNode) && typeof keyNode.value === 'symbol';
      const key = merge ? undefined : this.key(keyNode, depth + 1); // first: document order, for anchors
      const read = this.node(valueNode, depth + 1);
      deepest = Math.max(deepest, read.depth + 1);
      size += read.size;
      if (merge) {
        // The merged mappings' keys join this one's; none may repeat a key.
        const sources = Array.isArray(read.value) ? read.value : [read.value];
        for (const source of sources) {
          const index = source !== null && typeof source === 'object' ? this.index.get(source) : undefined;
          if (index?.kind !== 'map') {
            this.problems.push(
              this.problem(valueNode ?? keyNode, 'a merge key << takes a mapping or a list of mappings'),
            );
            break;
          }
          for (const [key, entry] of index.entries)
            add(key, entry, (source as Record<string, unknown>)[key], keyNode, ' (through the merge key <<)');
        }
        continue;
      }
      if (key !== undefined)
        add(
          key,
          { key: keyNode, value: valueNode },
          read.value,
          keyNode ?? valueNode ?? at,
          isAlias(keyNode) ? ' (through an alias)' : '',
        );
    }
    this.index.set(object, { kind: 'map', entries });
    return { value: object, depth: deepest, size };
  }

  /** A key as the property name it becomes (`1` and `"1"` are one key), or undefined when it cannot be one. */
  private key(node: Node | null, depth: number): string | undefined {
    const { value } = this.node(node, depth);
    if (value === null || typeof value !== 'object') return String(value ?? '');
    this.problems.push(this.problem(node, `a key must be a word, got ${describeValue(value)}`));
    return undefined;
  }

  /** The node at `path` (its key node with `key`) and its data, or those of its nearest existing ancestor. */
  locate(
    data: unknown,
    root: Node | null,
    path: FieldPath,
    key: boolean,
  ): { node: Node | null; depth: number; value: unknown } {
    let node = root;
    let value = data;
    let depth = 0;
    for (const part of path) {
      const index = value !== null && typeof value === 'object' ? this.index.get(value) : undefined;
      let next: Node | null | undefined;
      if (index?.kind === 'map' && index.entries.has(String(part))) {
        const entry = index.entries.get(String(part))!;
        next = key && depth === path.length - 1 ? entry.key : (entry.value ?? entry.key);
      } else if (index?.kind === 'seq' && typeof part === 'number' && part >= 0 && part < index.items.length) {
        next = index.items[part];
      } else {
        break;
      }
      node = next ?? node;
      value = (value as Record<string | number, unknown>)[part];
      depth++;
    }
    return { node, depth, value: depth === path.length ? value : undefined };
  }
}

/**
 * The first `MAX_LISTED_PROBLEMS` of `problems` and, when there are more, a last line at the
 * first one left out that counts them (`more`: how many there are past those given).
 */
function listed(problems: readonly PlanDiagnostic[], more = 0): PlanDiagnostic[] {
  const left = problems.length - MAX_LISTED_PROBLEMS + more;
  if (left <= 0) return [...problems];
  const next = problems[MAX_LISTED_PROBLEMS]!;
  return [
    ...problems.slice(0, MAX_LISTED_PROBLEMS),
    {
      ...next,
      path: '',
      message: `${left.toLocaleString('en-US')} more ${left === 1 ? 'problem' : 'problems'} not listed, the next one here: fix the ones above first`,
    },
  ];
}

/**
 * Every schema issue as located diagnostics, up to `MAX_LISTED_PROBLEMS` (one unknown key is
 * one problem: the rest of a long list is counted, not located); `knownKeys` gives the field
 * names at a path, for "did you mean".
 */
export function issueDiagnostics(
  yaml: YamlData,
  issues: readonly z.core.$ZodIssue[],
  knownKeys: (path: FieldPath) => readonly string[],
): PlanDiagnostic[] {
  const located: PlanDiagnostic[] = [];
  let more = 0;
  for (const issue of issues) {
    // One past the bound is located too: the count's line stands where it begins.
    const room = MAX_LISTED_PROBLEMS + 1 - located.length;
    if (room <= 0) {
      more += issue.code === 'unrecognized_keys' ? issue.keys.length : 1;
    } else if (issue.code === 'unrecognized_keys' && issue.keys.length > room) {
      located.push(...locateIssue(yaml, { ...issue, keys: issue.keys.slice(0, room) }, knownKeys));
      more += issue.keys.length - room;
    } else {
      located.push(...locateIssue(yaml, issue, knownKeys));
    }
  }
  return listed(located, more);
}

function locateIssue(
  yaml: YamlData,
  issue: z.core.$ZodIssue,
  knownKeys: (path: FieldPath) => readonly string[],
): PlanDiagnostic[] {
  const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeys(path);
    return issue.keys.map((key) => {
      const hint = closest(key, known);
      return yaml.diagnostic([...path, key], `unknown field${hint ? `; did you mean ${hint}?` : ''}`, {
        key: true,
        fullPath: true,
      });
    });
  }
  if (issue.code === 'invalid_union') {
    // A union failed: report the branch that got furthest (for "a value or a list", the list's
    // own element errors), or, when every branch failed at the same spot, all expectations.
    const deeper = issue.errors.find((branch) => branch.some((e) => e.path.length > 0));
    if (deeper) {
      return deeper.flatMap((e) =>
        locateIssue(yaml, { ...e, path: [...path, ...e.path] } as z.core.$ZodIssue, knownKeys),
      );
    }
  }
  const missing = yaml.depthOf(path) < path.length;
  let message = issue.message;
  if (missing && issue.code === 'invalid_type') message = 'required field is missing';
  else if (issue.code === 'invalid_type' || issue.code === 'invalid_value' || issue.code === 'invalid_union') {
    const value = yaml.valueAt(path);
    message = `${describeExpectation(issue)}, got ${describeValue(value)}`;
    const hint =
      issue.code === 'invalid_value' && typeof value === 'string' && value.length <= QUOTE_CHARS
        ? closest(
            value,
            issue.values.filter((v): v is string => typeof v === 'string'),
          )
        : undefined;
    if (hint) message += `; did you mean ${hint}?`;
  } else if (issue.code === 'too_small' || issue.code === 'too_big' || issue.code === 'invalid_format') {
    message = `${issue.message}, got ${describeValue(yaml.valueAt(path))}`;
  }
  return [yaml.diagnostic(path, message, { fullPath: true })];
}

function describeExpectation(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_value') return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
  if (issue.code === 'invalid_union') {
    const expectations = issue.errors
      .flat()
      .filter((e) => !(e.code === 'invalid_type' && e.expected === 'array'))
      .map((e) => describeExpectation(e).replace(/^expected /, ''));
    return expectations.length > 0
      ? `expected ${[...new Set(expectations)].join(' or ')}`
      : 'expected a value or a list of values';
  }
  if (issue.code === 'invalid_type') return issue.expected === 'int' ? issue.message : `expected ${issue.expected}`;
  return issue.message;
}

/** A value as a message shows it: a string quoted (and cut), a collection by its kind. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return quote(value);
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  if (value instanceof Date) return 'a timestamp';
  if (value instanceof Uint8Array) return 'binary data';
  if (typeof value === 'object') return 'a mapping';
  return clip(String(value), QUOTE_CHARS);
}

/** A string in double quotes, cut to `QUOTE_CHARS` characters with its full length said. */
export function quote(text: string): string {
  return text.length <= QUOTE_CHARS
    ? JSON.stringify(text)
    : `${JSON.stringify(text.slice(0, QUOTE_CHARS))}… (${text.length} characters)`;
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} characters)`;
}

/** `packetSizes[1]`, `search.goals[0].name`; a key that is not a plain word is quoted (and cut). */
export function formatPath(path: FieldPath): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else {
      const word = /^[A-Za-z0-9_$<-]{1,80}$/.test(part) ? part : quote(part);
      out += out ? `.${word}` : word;
    }
  }
  return out;
}

/** The field names a zod object schema takes at `path` (through optional, default, array, pipe), for "did you mean". */
export function schemaKeysAt(schema: z.ZodType, path: FieldPath): string[] {
  let def = unwrappedDef(schema);
  for (const part of path) {
    const next =
      def.type === 'object'
        ? (def.shape as Record<string, z.ZodType>)[String(part)]
        : def.type === 'array' && typeof part === 'number'
          ? (def.element as z.ZodType)
          : undefined;
    if (next === undefined) return [];
    def = unwrappedDef(next);
  }
  return def.type === 'object' ? Object.keys(def.shape as object) : [];
}

/** The definition of the object, array or other schema inside optional, default and pipe wrappers. */
function unwrappedDef(schema: z.ZodType): Record<string, unknown> {
  let def = schema._zod.def as unknown as Record<string, unknown>;
  for (;;) {
    const inner =
      def.type === 'optional' || def.type === 'default' || def.type === 'nullable'
        ? def.innerType
        : def.type === 'pipe'
          ? def.in
          : undefined;
    if (inner === undefined) return def;
    def = (inner as z.ZodType)._zod.def as unknown as Record<string, unknown>;
  }
}
