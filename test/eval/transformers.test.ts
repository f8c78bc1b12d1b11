// One real-model check of the log-likelihoods behind perplexity and multiple choice: a random
// tiny Apertus, exported to a Hugging Face folder, scored by transformers in PyTorch.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { modelLogLikelihood } from '../../src/eval/multiple-choice.js';
import { saveHf } from '../../src/hf/model-io.js';
import { Apertus, preset } from '../../src/model/index.js';
import { tempDir } from '../helpers/corpus.js';
import { pythonWith, runPython } from '../helpers/python.js';

test('continuation log-likelihoods match transformers', async (t) => {
  const python = await pythonWith(['torch', 'transformers']);
  if (!python) return t.skip('no Python with torch and transformers');
  const dir = await tempDir('eval-transformers');
  const model = new Apertus(preset('tiny', { initializerRange: 0.15 }), { seed: 4 });
  await saveHf(model, join(dir, 'hf'));
  const requests = [
    { context: [5, 17, 99, 3], continuation: [42, 7] },
    { context: [200], continuation: [1, 2, 3, 4, 5, 6] },
    { context: [9, 9, 9, 9, 9, 9, 9, 9, 9, 9], continuation: [250] },
  ];
  const ours = modelLogLikelihood(model, { batchSize: 2 })(requests);
  const program = `import json, sys, torch
from transformers import AutoModelForCausalLM
m = AutoModelForCausalLM.from_pretrained(sys.argv[1], dtype=torch.float32).eval()
out = []
for r in json.loads(sys.argv[2]):
    ids = torch.tensor([r['context'] + r['continuation']])
    with torch.no_grad():
        logp = torch.log_softmax(m(ids).logits[0].double(), -1)
    n = len(r['continuation'])
    out.append(sum(float(logp[len(r['context']) - 1 + i, r['continuation'][i]]) for i in range(n)))
print(json.dumps(out))`;
  const theirs = JSON.parse(await runPython(python, program, [join(dir, 'hf'), JSON.stringify(requests)])) as number[];
  ours.forEach((v, i) => assert.ok(Math.abs(v - theirs[i]!) < 1e-3, `request ${i}: ${v} vs ${theirs[i]}`));
});
