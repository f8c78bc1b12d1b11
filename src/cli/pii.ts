import type { Command } from 'commander';
import { createRedactor, DEFAULT_PII_OPTIONS, PII_KINDS, type PiiCounts } from '../corpus/pii/index.js';

interface RedactFlags {
  email: boolean;
  ip: boolean;
  iban: boolean;
  phone: boolean;
  card: boolean;
  publicIpOnly: boolean;
  counts?: boolean;
}

/** Redact stdin to stdout, a line at a time (no detector matches across a newline). */
async function redactCommand(flags: RedactFlags): Promise<void> {
  const redact = createRedactor({
    email: flags.email,
    ip: flags.ip,
    iban: flags.iban,
    phone: flags.phone,
    card: flags.card,
    public_ip_only: flags.publicIpOnly,
  });
  const totals = Object.fromEntries(PII_KINDS.map((k) => [k, 0])) as PiiCounts;
  let pending = '';
  const flush = (text: string) => {
    const result = redact(text);
    for (const kind of PII_KINDS) totals[kind] += result.counts[kind];
    process.stdout.write(result.text);
  };
  process.stdin.setEncoding('utf8');
  for await (const chunk of process.stdin as AsyncIterable<string>) {
    pending += chunk;
    const cut = pending.lastIndexOf('\n');
    if (cut < 0) continue;
    flush(pending.slice(0, cut + 1));
    pending = pending.slice(cut + 1);
  }
  if (pending) flush(pending);
  if (flags.counts) process.stderr.write(`${JSON.stringify(totals)}\n`);
}

export function registerPiiCommands(program: Command): void {
  const pii = program.command('pii').description('personal data redaction');
  pii
    .command('redact')
    .description('read text on stdin, write it with e-mail, IP and IBAN replaced by <email-pii>, <ip-pii>, <iban-pii>')
    .option('--no-email', 'keep e-mail addresses')
    .option('--no-ip', 'keep IP addresses')
    .option('--no-iban', 'keep IBANs')
    .option('--phone', 'also redact phone numbers (<phone-pii>)', DEFAULT_PII_OPTIONS.phone)
    .option('--card', 'also redact Luhn-valid payment card numbers (<card-pii>)', DEFAULT_PII_OPTIONS.card)
    .option('--public-ip-only', 'redact only globally routable IP addresses', DEFAULT_PII_OPTIONS.public_ip_only)
    .option('--counts', 'print the number of replacements per kind on stderr, as JSON')
    .action(redactCommand);
}
