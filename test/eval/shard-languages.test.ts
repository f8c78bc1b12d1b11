// Language labels of shard documents: from PREFIX.docs.jsonl, or from the document files that
// PREFIX.stats.json lists (empty documents skipped as data tokenize skips them), and none when the
// files no longer match the counts.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { shardDocuments, shardLanguages } from '../../src/eval/shard-languages.js';
import { ShardWriter } from '../../src/tokenizer/shards/index.js';
import { tempDir } from '../helpers/corpus.js';

test('languages from the stats inputs, from a sidecar, and none when the inputs changed', async () => {
  const dir = await tempDir('shard-languages');
  const a = join(dir, 'a.jsonl'), b = join(dir, 'b.jsonl');
  await writeFile(a, ['{"text": "eins", "metadata": {"language": "de"}}', '{"text": "", "language": "xx"}', '{"text": "one", "language": "en"}'].join('\n'));
  await writeFile(b, ['{"text": "uno"}', '{"text": "un", "language": "fr"}'].join('\n'));
  const writer = await ShardWriter.create(join(dir, 'tokens'), 'uint16');
  for (let d = 0; d < 4; d++) await writer.addDocument([5 + d, 6, 2]);
  await writer.commit();
  await writeFile(join(dir, 'tokens.stats.json'), JSON.stringify({ inputs: [{ file: a, documents: 2 }, { file: b, documents: 2 }] }));
  const found = await shardLanguages(join(dir, 'tokens'), 4);
  assert.deepEqual(found.languages, ['de', 'en', undefined, 'fr']);
  const docs = [];
  for await (const doc of shardDocuments([join(dir, 'tokens')])) docs.push(doc);
  assert.deepEqual(docs.map((d) => [d.ids[0], d.language]), [[5, 'de'], [6, 'en'], [7, undefined], [8, 'fr']]);

  await writeFile(b, '{"text": "uno"}\n');
  const changed = await shardLanguages(join(dir, 'tokens'), 4);
  assert.equal(changed.languages, undefined);
  assert.match(changed.source, /b\.jsonl has 1 documents now, 2 when tokenized/);

  await writeFile(join(dir, 'tokens.docs.jsonl'), '{"language": "it"}\n{}\n{"language": "it"}\n{"language": "pl"}\n');
  assert.deepEqual((await shardLanguages(join(dir, 'tokens'), 4)).languages, ['it', undefined, 'it', 'pl']);
  await assert.rejects(shardLanguages(join(dir, 'tokens'), 5), /has 4 lines for 5 documents/);
});
