// `apertus train`, `generate` and `export hf` end to end on synthetic token shards: the run
// trains and checkpoints, Ctrl-C-free resume continues it, generation from the run folder is
// deterministic and matches the exported Hugging Face folder's greedy continuation in transformers.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { ShardWriter } from '../../src/tokenizer/shards/index.js';
import { seeded, tempDir } from '../helpers/corpus.js';
import { runApertus } from '../helpers/cli.js';
import { pythonWith } from '../helpers/python.js';


const apertus = (args: string[]) => runApertus(args);

test('train, resume, generate and export hf from the command line', async () => {
  const dir = await tempDir('cli-model');
  const random = seeded(9);
  const writer = await ShardWriter.create(join(dir, 'tokens'), 'uint16');
  for (let d = 0; d < 40; d++) await writer.addDocument([...Array.from({ length: 30 }, () => 4 + Math.floor(random() * 60)), 2]);
  await writer.commit();
  await writeFile(join(dir, 'train.yaml'), `model: { vocab_size: 64, hidden_size: 32, intermediate_size: 64, num_layers: 2, num_heads: 2 }
data: { context: 16, batch_size: 4, validation_fraction: 0.1, datasets: [{ name: syn, paths: [tokens] }] }
schedule: { lr: 1.0e-2, warmup_steps: 2 }
training: { steps: 8, checkpoint_every: 4 }
`);
  const run = join(dir, 'run');
  const first = apertus(['train', join(dir, 'train.yaml'), '--out', run, '--steps', '8', '--no-progress']);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /trained 8\/8 steps \(512 tokens\)/);
  assert.ok(existsSync(join(run, 'checkpoints', 'step-00000008', 'model.safetensors')));
  const again = apertus(['train', join(dir, 'train.yaml'), '--out', run, '--no-progress']);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /already has checkpoints .* pass --resume/);
  const more = apertus(['train', join(dir, 'train.yaml'), '--out', run, '--resume', '--steps', '10', '--no-progress']);
  assert.equal(more.code, 0, more.stderr);
  assert.match(more.stdout, /trained 10\/10 steps/);

  const generate = (model: string) => apertus(['generate', '--model', model, '--prompt-ids', '1,5,17', '--format', 'ids', '--greedy', '--max-new-tokens', '6']);
  const ours = generate(run);
  assert.equal(ours.code, 0, ours.stderr);
  assert.match(ours.stdout, /^(\d+ ){0,5}\d+\n$/);
  assert.equal(generate(run).stdout, ours.stdout, 'greedy generation is deterministic');
  const noTokenizer = apertus(['generate', '--model', run, '--prompt', 'hello']);
  assert.equal(noTokenizer.code, 1);
  assert.match(noTokenizer.stderr, /has no tokenizer\.json: pass --tokenizer FILE, or --prompt-ids/);

  const hf = join(dir, 'hf');
  const exported = apertus(['export', 'hf', '--checkpoint', run, '--out', hf]);
  assert.equal(exported.code, 0, exported.stderr);
  assert.equal(generate(hf).stdout, ours.stdout, 'the export generates what the checkpoint does');
  const python = await pythonWith(['torch', 'transformers']);
  if (!python) return;
  const script = `import torch, transformers
m = transformers.AutoModelForCausalLM.from_pretrained(${JSON.stringify(hf)}, dtype=torch.float32)
ids = torch.tensor([[1, 5, 17]])
out = m.generate(ids, max_new_tokens=6, do_sample=False, eos_token_id=None, pad_token_id=3)
print(' '.join(str(int(t)) for t in out[0, 3:]))`;
  const peer = spawnSync(python, ['-c', script], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(peer.status, 0, peer.stderr);
  // ours stops at EOS (2); transformers was told not to: compare up to our length
  const theirs = peer.stdout.trim().split(' ');
  const mine = ours.stdout.trim().split(' ');
  assert.deepEqual(theirs.slice(0, mine.length), mine);
});
