import { z } from 'zod';
import { APERTUS_AGENTS } from '../robots/agents.js';
import { createPiiStep, DEFAULT_PII_OPTIONS } from './pii.js';
import { createRobotsStep } from './robots.js';
import { createExactDedupStep, createMinhashStep, exactDedupOptions, minhashOptions } from '../dedup/index.js';
import { c4QualityOptions, createC4QualityStep } from './c4-quality.js';
import { createFinewebQualityStep, finewebQualityOptions } from './fineweb-quality.js';
import { createGopherQualityStep, gopherQualityOptions } from './gopher-quality.js';
import { createGopherRepetitionStep, gopherRepetitionOptions } from './gopher-repetition.js';
import { createLanguageStep, languageOptions } from './language.js';
import { createLicenseStep, licenseOptions } from './license.js';
import { createScoreFilterStep, scoreFilterOptions } from './score-filter.js';
import { createToxicityStep, toxicityOptions } from './toxicity.js';
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
  defineStep({
    kind: 'language',
    summary: 'fastText language identification (lid.176, or any fastText model such as GlotLID): label, confidence, keep/drop, thresholds',
    options: languageOptions,
    paths: ['model'],
    create: createLanguageStep,
  }),
  defineStep({
    kind: 'gopher_quality',
    summary: "Gopher quality rules (word count, mean word length, symbols, bullets, ellipses, letters, stop words), per language",
    options: gopherQualityOptions,
    create: createGopherQualityStep,
  }),
  defineStep({
    kind: 'gopher_repetition',
    summary: 'Gopher repetition rules: duplicated lines and paragraphs, top and duplicated n-grams',
    options: gopherRepetitionOptions,
    create: createGopherRepetitionStep,
  }),
  defineStep({
    kind: 'c4_quality',
    summary: 'C4 rules: drop lines without terminal punctuation, javascript and policy lines; drop lorem ipsum, `{`, too few sentences',
    options: c4QualityOptions,
    create: createC4QualityStep,
  }),
  defineStep({
    kind: 'fineweb_quality',
    summary: 'FineWeb rules: share of lines ending in punctuation, short lines, characters in duplicated lines, newlines',
    options: finewebQualityOptions,
    create: createFinewebQualityStep,
  }),
  defineStep({
    kind: 'toxicity',
    summary: 'score toxicity (LDNOOBW lexicon or a fastText classifier) and remove the top 5% per language (cut-offs from `apertus data calibrate`)',
    options: toxicityOptions,
    paths: ['model', 'cutoffs'],
    create: createToxicityStep,
  }),
  defineStep({
    kind: 'score_filter',
    summary: 'remove documents beyond a per-language percentile of any score (a metadata field or a fastText classifier)',
    options: scoreFilterOptions,
    paths: ['model', 'cutoffs'],
    create: createScoreFilterStep,
  }),
  defineStep({
    kind: 'license',
    summary: 'keep only documents whose licence metadata (SPDX expression) is on an allowlist, permissive by default',
    options: licenseOptions,
    create: createLicenseStep,
  }),
  defineStep({
    kind: 'exact_dedup',
    summary: 'remove exact duplicates (of normalised text) across the whole run, keeping the first copy in input order',
    options: exactDedupOptions,
    global: true,
    create: createExactDedupStep,
  }),
  defineStep({
    kind: 'minhash_dedup',
    summary: 'remove near-duplicates across the whole run: MinHash (5-word shingles, 14 buckets x 8 hashes), union-find clusters',
    options: minhashOptions,
    global: true,
    create: createMinhashStep,
  }),
] as StepDefinition[];

export function stepDefinition(kind: string): StepDefinition {
  const found = STEP_DEFINITIONS.find((d) => d.kind === kind);
  if (!found) throw new Error(`unknown step kind ${kind}`);
  return found;
}
