// Reading a plan file: YAML → zod validation, every problem reported as `file:line:col path: message`.
import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument, isMap, isPair, isScalar, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import { PlanError, UsageError, type PlanDiagnostic } from '../common/errors.js';
import { planSchema, type Plan } from './schema.js';
import { closest } from './suggest.js';

export interface LoadedPlan extends ParsedPlan {
  /** The file's text, stored with the run so a resume can compare. */
  source: string;
  file: string;
}

export async function loadPlanFile(file: string): Promise<LoadedPlan> {
  let source: string;
  try {
    source = await readFile(file, 'utf8');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    const why = { ENOENT: 'no such file', EISDIR: 'is a directory', EACCES: 'permission denied' }[code ?? ''] ?? String(code);
    throw new UsageError(`cannot read plan ${file}: ${why}`);
  }
  return { ...parsePlan(source, file), source, file };
}

export interface ParsedPlan {
  plan: Plan;
  /** A diagnostic located at `path` in the plan file (or its nearest existing parent). */
  diagnostic(path: (string | number)[], message: string): PlanDiagnostic;
}

/** Parses and validates plan text; throws PlanError listing every problem found. */
export function parsePlan(source: string, file = '<plan>'): ParsedPlan {
  const lineCounter = new LineCounter();
  const doc = parseDocument(source, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number, path: string, message: string): PlanDiagnostic => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, col, path, message };
  };
  if (doc.errors.length > 0) {
    throw new PlanError(doc.errors.map((e) => at(e.pos[0], '', `invalid YAML: ${firstLine(e.message)}`)));
  }
  const data: unknown = doc.toJS();
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new PlanError([at(0, '', 'expected a mapping of plan fields (name, switches, packetSizes, …)')]);
  }
  const result = planSchema.safeParse(data);
  if (result.success) {
    return {
      plan: result.data,
      diagnostic: (path, message) => {
        const { node, depth } = nearestNode(doc, path);
        return at(node?.range?.[0] ?? 0, formatPath(path.slice(0, depth)), message);
      },
    };
  }
  throw new PlanError(result.error.issues.flatMap((issue) => locate(doc, issue, at)));
}

type At = (offset: number, path: string, message: string) => PlanDiagnostic;

function locate(doc: Document, issue: z.core.$ZodIssue, at: At): PlanDiagnostic[] {
  const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
  if (issue.code === 'unrecognized_keys') {
    const parent = doc.getIn(path, true) as Node | undefined;
    const known = knownKeysAt(path);
    return issue.keys.map((key) => {
      const keyNode = findKeyNode(parent, key) ?? parent;
      const hint = closest(key, known);
      const message = `unknown field${hint ? `; did you mean ${hint}?` : ''}`;
      return at(keyNode?.range?.[0] ?? 0, formatPath([...path, key]), message);
    });
  }
  if (issue.code === 'invalid_union') {
    // A union failed: report the branch that got furthest (for "a value or a list", the list's
    // own element errors), or, when every branch failed at the same spot, all expectations.
    const deeper = issue.errors.find((branch) => branch.some((e) => e.path.length > 0));
    if (deeper) {
      return deeper.flatMap((e) => locate(doc, { ...e, path: [...path, ...e.path] } as z.core.$ZodIssue, at));
    }
  }
  const { node, missing } = nearestNode(doc, path);
  let message = issue.message;
  if (missing && issue.code === 'invalid_type') message = 'required field is missing';
  else if (issue.code === 'invalid_type' || issue.code === 'invalid_value' || issue.code === 'invalid_union') {
    const value = valueAt(doc, path);
    message = `${describeExpectation(issue)}, got ${describeValue(value)}`;
    const hint = issue.code === 'invalid_value' && typeof value === 'string'
      ? closest(value, issue.values.filter((v): v is string => typeof v === 'string')) : undefined;
    if (hint) message += `; did you mean ${hint}?`;
  } else if (issue.code === 'too_small' || issue.code === 'too_big' || issue.code === 'invalid_format') {
    message = `${issue.message}, got ${describeValue(valueAt(doc, path))}`;
  }
  return [at(node?.range?.[0] ?? 0, formatPath(path), message)];
}

function describeExpectation(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_value') return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
  if (issue.code === 'invalid_union') {
    const expectations = issue.errors.flat()
      .filter((e) => !(e.code === 'invalid_type' && e.expected === 'array'))
      .map((e) => describeExpectation(e).replace(/^expected /, ''));
    return expectations.length > 0 ? `expected ${[...new Set(expectations)].join(' or ')}` : 'expected a value or a list of values';
  }
  if (issue.code === 'invalid_type') return issue.expected === 'int' ? issue.message : `expected ${issue.expected}`;
  return issue.message;
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}

function valueAt(doc: Document, path: (string | number)[]): unknown {
  const node = doc.getIn(path, true);
  if (node === undefined) return undefined;
  return isScalar(node) ? node.value : (node as { toJSON(): unknown }).toJSON();
}

/** The node at `path`, or its closest existing ancestor (for a missing field). */
function nearestNode(doc: Document, path: (string | number)[]): { node: Node | undefined; missing: boolean; depth: number } {
  for (let n = path.length; n >= 0; n--) {
    const node = (n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true)) as Node | undefined;
    if (node) return { node, missing: n < path.length, depth: n };
  }
  return { node: undefined, missing: true, depth: 0 };
}

function findKeyNode(parent: Node | undefined, key: string): Node | undefined {
  if (!isMap(parent)) return undefined;
  for (const item of parent.items) {
    if (isPair(item) && isScalar(item.key) && item.key.value === key) return item.key;
  }
  return undefined;
}

function knownKeysAt(path: (string | number)[]): string[] {
  return path.length === 0 ? Object.keys(planSchema.shape) : [];
}

export function formatPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : out ? `.${part}` : part;
  return out;
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}
