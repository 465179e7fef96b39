import { planJsonSchema } from '../../plan/schema.js';

export function schemaCommand(): void {
  process.stdout.write(`${JSON.stringify(planJsonSchema(), null, 2)}\n`);
}
