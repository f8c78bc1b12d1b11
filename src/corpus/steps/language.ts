import { z } from 'zod';
import { UserError } from '../../util/errors.js';
import type { Document } from '../document.js';
import { DEFAULT_MAX_CHARS, loadLanguageModel, roundScore, UNDETERMINED, type LanguageModel } from '../lid/fasttext.js';
import { KEEP, remove, type Step, type Verdict } from '../step.js';

const score = z.number().min(0).max(1);
const labels = z.array(z.string().min(1));

/** The step's options: the single source of truth for its YAML and its defaults. */
export const languageOptions = {
  /** Any fastText classifier file (.bin or .ftz), e.g. GlotLID; default the shipped lid.176. */
  model: z.string().min(1).optional(),
  /** Labels to keep (after label_map); every other label is removed. */
  keep: labels.optional(),
  /** Labels to remove (after label_map). */
  drop: labels.optional(),
  /** Documents whose best score is below this are removed (FineWeb: 0.65 with lid.176). */
  threshold: score.default(0.65),
  /** Per-label thresholds that replace `threshold` (FineWeb-2 used 0.3-0.9 with GlotLID). */
  thresholds: z.record(z.string().min(1), score).optional(),
  /** Rename the model's labels before anything else sees them, e.g. {deu_Latn: de}. */
  label_map: z.record(z.string().min(1), z.string().min(1)).optional(),
  /** The classifier reads at most this many characters of a document, sampled across it. */
  max_chars: z.number().int().min(100).default(DEFAULT_MAX_CHARS),
};

export type LanguageOptions = z.output<z.ZodObject<typeof languageOptions>>;
export type LanguageStepOptions = z.input<z.ZodObject<typeof languageOptions>> & { name?: string };

/**
 * Language identification with fastText (lid.176 by default, any fastText classifier by `model`).
 * Every document it sees, removed or kept, gets `metadata.language` (the model's label, or
 * `label_map`'s name for it; `und` when the text is empty or whitespace) and
 * `metadata.language_score` (rounded to 4 decimals, 0 for `und`). The decision uses the rounded
 * score, so the audit and the metadata always agree. Removal reasons, checked in this order:
 * `language_not_kept`, `language_dropped`, `language_low_confidence`.
 */
export function createLanguageStep(options: LanguageStepOptions = {}): Step {
  const { name, ...rest } = options;
  const settings = z.object(languageOptions).parse(rest);
  const keep = settings.keep ? new Set(settings.keep) : undefined;
  const drop = new Set(settings.drop ?? []);
  const thresholds = settings.thresholds ?? {};
  const labelMap = settings.label_map ?? {};
  let model: LanguageModel | undefined;

  return {
    kind: 'language',
    name: name ?? 'language',
    async open() {
      model = await loadLanguageModel(settings.model);
      checkLabels(model, settings);
    },
    apply(doc: Document): Verdict {
      if (!model) throw new Error('language step: apply() called before open()');
      const [best] = model.predict(doc.text, 1, settings.max_chars);
      const label = best ? (labelMap[best.label] ?? best.label) : UNDETERMINED;
      const rounded = best ? roundScore(best.score) : 0;
      doc.metadata.language = label;
      doc.metadata.language_score = rounded;
      if (keep && !keep.has(label)) return remove('language_not_kept', label);
      if (drop.has(label)) return remove('language_dropped', label);
      const threshold = thresholds[label] ?? settings.threshold;
      if (rounded < threshold) return remove('language_low_confidence', `${label} ${rounded} < ${threshold}`);
      return KEEP;
    },
  };
}

/**
 * A label the model never gives (`deu` or `__label__de` for lid.176's `de`) would silently keep
 * or drop nothing, so every label an option names must be one the step can write.
 */
function checkLabels(model: LanguageModel, settings: LanguageOptions): void {
  const modelLabels = new Set(model.labels);
  const labelMap = settings.label_map ?? {};
  for (const from of Object.keys(labelMap)) {
    if (!modelLabels.has(from)) throw unknownLabel('label_map', from, model, model.labels);
  }
  const written = new Set([UNDETERMINED, ...model.labels.map((l) => labelMap[l] ?? l)]);
  const named: [string, string[]][] = [
    ['keep', settings.keep ?? []],
    ['drop', settings.drop ?? []],
    ['thresholds', Object.keys(settings.thresholds ?? {})],
  ];
  for (const [option, list] of named) {
    for (const label of list) if (!written.has(label)) throw unknownLabel(option, label, model, [...written]);
  }
}

function unknownLabel(option: string, label: string, model: LanguageModel, known: readonly string[]): UserError {
  const examples = known.filter((l) => l !== UNDETERMINED).slice(0, 8).join(', ');
  return new UserError(
    `language step: ${option}: "${label}" is not a label of the model ${model.path}; its labels are like ${examples} (${known.length} in all)`,
  );
}
