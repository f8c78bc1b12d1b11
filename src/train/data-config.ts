/**
 * The `data:` section of `apertus train config.yaml`: token shards (Megatron prefixes written by
 * `apertus data tokenize`), mixture weights, packing and loss-mask settings.
 *
 *   data:
 *     context: 4096            # T: tokens per row; a row holds T inputs and T targets
 *     batch_size: 8            # B: rows per batch
 *     seed: 1234               # document shuffles (per dataset, per epoch)
 *     validation_fraction: 0.001
 *     eos_id: 2
 *     datasets:
 *       - { name: web, paths: [tokens/web], weight: 0.7 }
 *       - { name: code, paths: [tokens/code-a, tokens/code-b], weight: 0.3, validation_paths: [tokens/code-val] }
 */
import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';

export const DatasetSchema = z
  .object({
    /** How the dataset is named in logs, in the batch's per-row dataset list and in validation. */
    name: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . and - only'),
    /** Megatron prefixes (`PREFIX.bin` + `PREFIX.idx`), read as one dataset in this order. */
    paths: z.array(z.string().min(1)).min(1),
    /** Mixture weight; the weights are normalised to sum to 1. */
    weight: z.number().positive().default(1),
    /** Held-out shards; without them, `validation_fraction` of this dataset's documents are held out. */
    validation_paths: z.array(z.string().min(1)).min(1).optional(),
  })
  .strict();

export const DataSchema = z
  .object({
    datasets: z.array(DatasetSchema).min(1),
    context: z.number().int().min(1),
    batch_size: z.number().int().min(1),
    /** uint32 seed of the per-epoch document shuffles. */
    seed: z.number().int().min(0).max(0xffffffff).default(1234),
    /** Fraction of each dataset's documents held out for validation (a fixed hash of the document number). */
    validation_fraction: z.number().min(0).max(0.5).default(0.001),
    /** uint32 salt of the validation hash: changing it draws another validation set. */
    validation_seed: z.number().int().min(0).max(0xffffffff).default(0),
    /** The end-of-document token (Apertus `</s>` = 2; R8); only `mask_eos_targets` needs it. */
    eos_id: z.number().int().min(0).default(2),
    /**
     * No loss where the input is a document's last token and the target the next document's first
     * (Megatron's `--eod-mask-loss`: `loss_mask[tokens == eod] = 0` on the inputs). Default on (R8).
     */
    mask_document_boundary: z.boolean().default(true),
    /** Also no loss on targets equal to `eos_id` (the model never learns to end a document). */
    mask_eos_targets: z.boolean().default(false),
  })
  .strict()
  .superRefine((data, ctx) => {
    const seen = new Set<string>();
    data.datasets.forEach((d, i) => {
      if (seen.has(d.name)) ctx.addIssue({ code: 'custom', path: ['datasets', i, 'name'], message: `two datasets are named ${d.name}` });
      seen.add(d.name);
    });
  });

export type DataConfig = z.output<typeof DataSchema>;
export type DatasetConfig = z.output<typeof DatasetSchema>;

/** The config with every shard path made absolute against `baseDir` (the config file's folder). */
export function resolveDataPaths(config: DataConfig, baseDir: string): DataConfig {
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
  return {
    ...config,
    datasets: config.datasets.map((d) => ({
      ...d,
      paths: d.paths.map(abs),
      ...(d.validation_paths ? { validation_paths: d.validation_paths.map(abs) } : {}),
    })),
  };
}
