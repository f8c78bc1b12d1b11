/**
 * A checkpoint of one or more safetensors files, as Hugging Face lays them out in a folder:
 * `model.safetensors`, or shards `model-00001-of-00003.safetensors` ... with
 * `model.safetensors.index.json` = {"metadata": {"total_size": bytes}, "weight_map": {name: file}}.
 */
import { existsSync } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { entryBytes, SafetensorsReader, writeSafetensors, type TensorEntry, type TensorInfo } from './safetensors.js';

export const WEIGHTS_FILE = 'model.safetensors';
export const INDEX_FILE = 'model.safetensors.index.json';

/** Reads tensors by name across the shards of a checkpoint; opens each shard once. */
export class Checkpoint {
  private constructor(
    readonly location: string,
    private readonly readers: Map<string, SafetensorsReader>,
    /** tensor name -> the reader that holds it */
    private readonly owner: Map<string, SafetensorsReader>,
  ) {}

  /** `path`: a folder (model.safetensors or its index), an index .json, or one .safetensors file. */
  static async open(path: string): Promise<Checkpoint> {
    let file = path;
    if ((await stat(path)).isDirectory()) {
      file = existsSync(join(path, INDEX_FILE)) ? join(path, INDEX_FILE) : join(path, WEIGHTS_FILE);
      if (!existsSync(file)) throw new Error(`${path}: no ${WEIGHTS_FILE} or ${INDEX_FILE} in this folder`);
    }
    const readers = new Map<string, SafetensorsReader>();
    const owner = new Map<string, SafetensorsReader>();
    try {
      if (file.endsWith('.json')) {
        const weightMap = await readIndex(file);
        const folder = join(file, '..');
        for (const [name, shard] of Object.entries(weightMap)) {
          let reader = readers.get(shard);
          if (!reader) readers.set(shard, (reader = await SafetensorsReader.open(join(folder, shard))));
          if (!reader.tensors.has(name)) throw new Error(`${file}: "${name}" is mapped to ${shard}, which does not hold it`);
          owner.set(name, reader);
        }
      } else {
        const reader = await SafetensorsReader.open(file);
        readers.set(file, reader);
        for (const name of reader.names()) owner.set(name, reader);
      }
    } catch (err) {
      for (const r of readers.values()) await r.close();
      throw err;
    }
    return new Checkpoint(path, readers, owner);
  }

  names(): string[] {
    return [...this.owner.keys()];
  }

  has(name: string): boolean {
    return this.owner.has(name);
  }

  info(name: string): TensorInfo {
    return this.reader(name).info(name);
  }

  /** `__metadata__` of the first shard. */
  get metadata(): Readonly<Record<string, string>> {
    return this.readers.values().next().value?.metadata ?? {};
  }

  readFloats(name: string, dtype: 'float32' | 'float64' = 'float32'): Promise<Float32Array | Float64Array> {
    return this.reader(name).readFloats(name, dtype);
  }

  async close(): Promise<void> {
    for (const r of this.readers.values()) await r.close();
  }

  private reader(name: string): SafetensorsReader {
    const r = this.owner.get(name);
    if (!r) throw new Error(`${this.location}: the checkpoint has no tensor "${name}"`);
    return r;
  }
}

async function readIndex(file: string): Promise<Record<string, string>> {
  let json: { weight_map?: unknown };
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file}: cannot read the shard index (${(err as Error).message})`);
  }
  const map = json.weight_map;
  if (typeof map !== 'object' || map === null || !Object.values(map).every((v) => typeof v === 'string' && !v.includes('/'))) {
    throw new Error(`${file}: weight_map must map tensor names to shard file names`);
  }
  return map as Record<string, string>;
}

export interface WriteCheckpointOptions {
  /** largest shard in bytes; a single tensor larger than this gets a shard of its own. Default: one file */
  maxShardBytes?: number;
  metadata?: Record<string, string>;
}

/**
 * Writes `entries` into `folder` as model.safetensors, or as shards with an index when they
 * exceed maxShardBytes (filled greedily in the given order, as transformers does). Returns the
 * files written.
 */
export async function writeCheckpoint(folder: string, entries: readonly TensorEntry[], options: WriteCheckpointOptions = {}): Promise<string[]> {
  const limit = options.maxShardBytes ?? Infinity;
  const shards: TensorEntry[][] = [[]];
  let size = 0, total = 0;
  for (const e of entries) {
    const bytes = entryBytes(e);
    if (size + bytes > limit && shards[shards.length - 1].length > 0) {
      shards.push([]);
      size = 0;
    }
    shards[shards.length - 1].push(e);
    size += bytes;
    total += bytes;
  }
  const metadata = { format: 'pt', ...options.metadata };
  if (shards.length === 1) {
    await writeSafetensors(join(folder, WEIGHTS_FILE), entries, metadata);
    return [WEIGHTS_FILE];
  }
  const n = shards.length;
  const names = shards.map((_, i) => `model-${String(i + 1).padStart(5, '0')}-of-${String(n).padStart(5, '0')}.safetensors`);
  const weightMap: Record<string, string> = {};
  for (let i = 0; i < n; i++) {
    await writeSafetensors(join(folder, names[i]), shards[i], metadata);
    for (const e of shards[i]) weightMap[e.name] = names[i];
  }
  const sorted = Object.fromEntries(Object.entries(weightMap).sort(([a], [b]) => (a < b ? -1 : 1)));
  await writeFile(join(folder, INDEX_FILE), JSON.stringify({ metadata: { total_size: total }, weight_map: sorted }, null, 2) + '\n');
  return [...names, INDEX_FILE];
}
