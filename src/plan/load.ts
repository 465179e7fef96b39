// Reading a plan file: YAML → zod validation, every problem reported as `file:line:col path: message`.
import { PlanError, UsageError, type PlanDiagnostic } from '../common/errors.js';
import { planSchema, type Plan } from './schema.js';
import { issueDiagnostics, parseYaml, readBoundedText, schemaKeysAt, type FieldPath } from './yaml-data.js';

export { formatPath } from './yaml-data.js';

export interface LoadedPlan extends ParsedPlan {
  /** The file's text, stored with the run so a resume can compare. */
  source: string;
  file: string;
}

export async function loadPlanFile(file: string): Promise<LoadedPlan> {
  let source: string;
  try {
    source = await readBoundedText(file);
  } catch (cause) {
    throw new UsageError(`cannot read plan ${file}: ${(cause as Error).message}`);
  }
  return { ...parsePlan(source, file), source, file };
}

export interface ParsedPlan {
  plan: Plan;
  /** A diagnostic located at `path` in the plan file (or its nearest existing parent). */
  diagnostic(path: FieldPath, message: string): PlanDiagnostic;
}

/** Parses and validates plan text; throws PlanError listing every problem found. */
export function parsePlan(source: string, file = '<plan>'): ParsedPlan {
  const yaml = parseYaml(source, file);
  const { data } = yaml;
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new PlanError([yaml.diagnostic([], 'expected a mapping of plan fields (name, switches, packetSizes, …)')]);
  }
  const result = planSchema.safeParse(data);
  if (!result.success)
    throw new PlanError(issueDiagnostics(yaml, result.error.issues, (path) => schemaKeysAt(planSchema, path)));
  return { plan: result.data, diagnostic: (path, message) => yaml.diagnostic(path, message) };
}
