/** JSON Lines checked against a zod schema: errors name the file, the line and the field. */
import type { z } from 'zod';
import { UserError } from './errors.js';

/** Each non-empty line of `text` parsed and validated, with its 1-based line number; `what` names
 * a record in errors when the failing field is the whole record. */
export function parseJsonLines<S extends z.ZodType>(text: string, file: string, schema: S, what = 'record'): { line: number; value: z.output<S> }[] {
  const out: { line: number; value: z.output<S> }[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      throw new UserError(`${file}:${i + 1}: not JSON (${(err as Error).message})`);
    }
    const result = schema.safeParse(value);
    if (!result.success) {
      const issue = result.error.issues[0]!;
      throw new UserError(`${file}:${i + 1}: ${issue.path.map(String).join('.') || what}: ${issue.message.replace(/^Invalid input: /, '')}`);
    }
    out.push({ line: i + 1, value: result.data });
  });
  return out;
}
