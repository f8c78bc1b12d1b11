/** An error a user can act on: says what was wrong and where, without a stack trace. */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}

/** A malformed input record: file plus line (text formats) or byte offset (binary formats). */
export class BadRecordError extends Error {
  constructor(
    readonly file: string,
    readonly where: { line?: number; offset?: number; row?: number },
    readonly reason: string,
  ) {
    super(`${file}${formatWhere(where)}: ${reason}`);
    this.name = 'BadRecordError';
  }
}

function formatWhere(where: { line?: number; offset?: number; row?: number }): string {
  if (where.line !== undefined) return `:${where.line}`;
  if (where.offset !== undefined) return ` at byte ${where.offset}`;
  if (where.row !== undefined) return ` row ${where.row}`;
  return '';
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
