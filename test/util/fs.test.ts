import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileDigest, writeFileAtomic } from '../../src/util/fs.js';

test('writeFileAtomic leaves only the final file, and fileDigest hashes it', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'apertus-fs-'));
  const path = join(dir, 'sub', 'a.txt');
  await writeFileAtomic(path, 'abc');
  assert.equal(await readFile(path, 'utf8'), 'abc');
  assert.deepEqual(await readdir(join(dir, 'sub')), ['a.txt']);
  const digest = await fileDigest(path);
  assert.equal(digest.bytes, 3);
  assert.equal(digest.sha256, 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
});
