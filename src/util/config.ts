import { readFile } from 'node:fs/promises';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import type { z } from 'zod';
import { UserError } from './errors.js';

/**
 * YAML configs validated by a zod schema: the schema is the single source of truth for a config,
 * and every error names the file, the line, the field and what was expected, e.g.
 *   pipeline.yaml:12:7: steps[2].agents: expected array, received string
 */
export async function loadConfig<S extends z.ZodType>(file: string, schema: S): Promise<z.output<S>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new UserError(`${file}: cannot read config (${(err as NodeJS.ErrnoException).code ?? err})`);
  }
  return parseConfig(text, file, schema);
}

export function parseConfig<S extends z.ZodType>(text: string, file: string, schema: S): z.output<S> {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length > 0) {
    const first = doc.errors[0]!;
    const pos = lines.linePos(first.pos[0]);
    throw new UserError(`${file}:${pos.line}:${pos.col}: invalid YAML: ${first.message.split('\n')[0]}`);
  }
  const result = schema.safeParse(doc.toJS() ?? {});
  if (result.success) return result.data;
  const messages = result.error.issues.map((issue) => {
    const node = nodeAt(doc.contents, issue.path);
    const where = node?.range ? lines.linePos(node.range[0]) : undefined;
    const location = where ? `${file}:${where.line}:${where.col}` : file;
    const field = formatPath(issue.path) || '(top level)';
    return `${location}: ${field}: ${issue.message.replace(/^Invalid input: /, '')}`;
  });
  throw new UserError(messages.join('\n'));
}

/** `steps[2].agents` from ['steps', 2, 'agents']. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out;
}

/** The deepest YAML node along `path` (the parent when the key itself is missing). */
function nodeAt(root: unknown, path: ReadonlyArray<PropertyKey>): Node | undefined {
  let node = root as Node | null | undefined;
  let last: Node | undefined = node ?? undefined;
  for (const key of path) {
    if (isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(key));
      node = (pair?.value ?? undefined) as Node | undefined;
    } else if (isSeq(node) && typeof key === 'number') {
      node = node.items[key] as Node | undefined;
    } else {
      break;
    }
    if (!node) break;
    last = node;
  }
  return last;
}
