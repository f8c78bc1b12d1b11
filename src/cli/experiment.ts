/**
 * `apertus experiment NAME`: experiments that reproduce a paper's claim at small scale, each
 * writing DIR/results.json and its plots. Each experiment is one subcommand registered here.
 */
import { Option, type Command } from 'commander';
import { join, resolve } from 'node:path';
import { GOLDFISH_PRESETS, type GoldfishPresetName } from '../experiments/goldfish-presets.js';
import { runGoldfishExperiment, type RunName } from '../experiments/goldfish.js';
import { interruptSignal } from './interrupt.js';
import { CountBar } from './progress.js';
import { formatTable } from './table.js';

interface GoldfishFlags {
  preset: GoldfishPresetName;
  out: string;
  overwrite?: boolean;
  progress?: boolean;
}

async function goldfishCommand(flags: GoldfishFlags): Promise<void> {
  const { signal, release } = interruptSignal();
  let bar: CountBar | undefined;
  let current: RunName | undefined;
  const log = (line: string) => (bar ? bar.log(line) : process.stderr.write(`${line}\n`));
  try {
    const results = await runGoldfishExperiment({
      preset: flags.preset, out: flags.out, overwrite: flags.overwrite, signal, onLog: log,
      onStep: (run, m, total) => {
        if (flags.progress === false) return;
        if (run !== current) {
          bar?.stop();
          bar = new CountBar(`train ${run}`, total);
          current = run;
        }
        bar!.update(m.step, `loss ${m.loss.toFixed(3)} | ${Math.round(m.tokens_per_s)} tok/s`);
        if (m.step === total) {
          bar!.stop();
          bar = undefined;
        }
      },
    });
    bar?.stop();
    const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
    const line = (name: string, r: { memorized: string; exact_match: number; rouge_l: number; lccs: number; val_loss: number | null }) =>
      [name, r.memorized, pct(r.exact_match), r.rouge_l.toFixed(3), r.lccs.toFixed(3), r.val_loss === null ? '-' : r.val_loss.toFixed(4)];
    process.stdout.write(`\n${formatTable(['model', 'memorized', 'exact match', 'ROUGE-L', 'LCCS / S', 'val loss'], [
      line('standard loss', results.standard), line('Goldfish loss', results.goldfish),
      line('control (unseen probes, standard model)', results.control),
    ])}\n`);
    const rows = results.standard.by_bucket.map((b, i) => [b.repetitions, b.probes, pct(b.exact_match), pct(results.goldfish.by_bucket[i]!.exact_match),
      b.rouge_l.toFixed(3), results.goldfish.by_bucket[i]!.rouge_l.toFixed(3)]);
    process.stdout.write(`\n${formatTable(['times seen', 'probes', 'exact (standard)', 'exact (Goldfish)', 'ROUGE-L (standard)', 'ROUGE-L (Goldfish)'], rows)}\n`);
    process.stdout.write(`\npaper (${results.paper.setting}): standard ${results.paper.standard}, Goldfish ${results.paper.goldfish}\n` +
      `results: ${join(resolve(flags.out), 'results.json')}\nplot:    ${join(resolve(flags.out), 'memorization.svg')}\n`);
  } finally {
    bar?.stop();
    release();
  }
}

function registerGoldfish(group: Command): void {
  group
    .command('goldfish')
    .description('standard vs Goldfish loss (k = 4) on a corpus where UDHR probe passages repeat many times: verbatim memorization and its cost')
    .addOption(new Option('--preset <name>', 'smoke: under 3 minutes on 2 cores; full: under 30; test: seconds, for tests')
      .choices(Object.keys(GOLDFISH_PRESETS)).default('smoke'))
    .requiredOption('--out <dir>', 'experiment folder: results.json, memorization.svg, runs, data')
    .option('--overwrite', 'start again (else an interrupted experiment in --out continues)')
    .option('--no-progress', 'no progress bars')
    .action((flags: GoldfishFlags) => goldfishCommand(flags));
}

/** The `experiment` command group; each experiment adds one line here. */
export function registerExperimentCommands(program: Command): Command {
  const group = program.command('experiment').description('reproduce a paper\'s claim at small scale: results.json and plots');
  registerGoldfish(group);
  return group;
}
