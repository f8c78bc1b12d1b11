// The eval, experiment and inject-probes commands wired as main.ts will wire them, for the tests
// to run as a child process: node dist/test/eval/apertus-eval.js eval mc ...
import { Command, CommanderError } from 'commander';
import { registerEvalCommands } from '../../src/cli/eval.js';
import { registerExperimentCommands } from '../../src/cli/experiment.js';
import { attachInjectProbesCommand } from '../../src/cli/probes.js';
import { UserError } from '../../src/util/errors.js';

const program = new Command('apertus').exitOverride();
registerEvalCommands(program);
registerExperimentCommands(program);
attachInjectProbesCommand(program.command('data'));
try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exitCode = err.exitCode;
  else if (err instanceof UserError) {
    process.stderr.write(`apertus: ${err.message}\n`);
    process.exitCode = 1;
  } else throw err;
}
