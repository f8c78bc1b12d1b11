import { z } from 'zod';
import { APERTUS_AGENTS } from '../robots/agents.js';
import { createPiiStep, DEFAULT_PII_OPTIONS } from './pii.js';
import { createRobotsStep } from './robots.js';
import { createUrlFilterStep } from './url-filter.js';
import { defineStep, type StepDefinition } from './registry.js';

const paths = z.array(z.string());

/** Every step kind the pipeline YAML accepts, in the order `apertus data steps` lists them. */
export const STEP_DEFINITIONS: StepDefinition[] = [
  defineStep({
    kind: 'url_filter',
    summary: 'remove documents whose URL is on a domain or URL-substring blocklist',
    options: {
      domain_files: paths.optional(),
      domains: z.array(z.string()).optional(),
      url_substring_files: paths.optional(),
      url_substrings: z.array(z.string()).optional(),
      missing_url: z.enum(['keep', 'remove']).default('keep'),
    },
    paths: ['domain_files', 'url_substring_files'],
    create: createUrlFilterStep,
  }),
  defineStep({
    kind: 'robots',
    summary: 'retroactive robots.txt opt-out: remove documents whose URL a snapshot disallows for any listed AI agent',
    options: {
      snapshot: z.string(),
      agents: z.array(z.string().min(1)).min(1).default([...APERTUS_AGENTS]),
    },
    paths: ['snapshot'],
    create: createRobotsStep,
  }),
  defineStep({
    kind: 'pii',
    summary: 'redact e-mail, IP and IBAN (optionally phone and payment card) with <email-pii>, <ip-pii>, <iban-pii> ...',
    options: {
      email: z.boolean().default(DEFAULT_PII_OPTIONS.email),
      ip: z.boolean().default(DEFAULT_PII_OPTIONS.ip),
      iban: z.boolean().default(DEFAULT_PII_OPTIONS.iban),
      phone: z.boolean().default(DEFAULT_PII_OPTIONS.phone),
      card: z.boolean().default(DEFAULT_PII_OPTIONS.card),
      public_ip_only: z.boolean().default(DEFAULT_PII_OPTIONS.public_ip_only),
      replacements: z
        .object({ email: z.string(), ip: z.string(), iban: z.string(), phone: z.string(), card: z.string() })
        .partial()
        .strict()
        .default({}),
    },
    create: createPiiStep,
  }),
] as StepDefinition[];

export function stepDefinition(kind: string): StepDefinition {
  const found = STEP_DEFINITIONS.find((d) => d.kind === kind);
  if (!found) throw new Error(`unknown step kind ${kind}`);
  return found;
}
