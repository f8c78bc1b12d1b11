import { Command, CommanderError } from 'commander';
import { UserError } from '../util/errors.js';
import { PACKAGE } from '../version.js';
import { attachCoboExperiment, registerCollabCommands } from './collab.js';
import { registerDataCommands } from './data.js';
import { registerDemoCommand } from './demo.js';
import { registerEvalCommands } from './eval.js';
import { registerExperimentCommands } from './experiment.js';
import { registerLidCommand } from './lid.js';
import { registerPiiCommands } from './pii.js';
import { attachInjectProbesCommand } from './probes.js';
import { registerRobotsCommands } from './robots.js';
import { registerTokenizerCommands } from './tokenizer.js';
import { attachTrainCommand } from './tokenizer-train.js';
import { registerModelCommands } from './train.js';

const program = new Command('apertus')
  .description('Build language models the open and compliant way: compliant corpora, training, evaluation, collaborative learning.')
  .version(PACKAGE.version)
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

registerDemoCommand(program);
attachInjectProbesCommand(registerDataCommands(program));
registerRobotsCommands(program);
registerPiiCommands(program);
registerLidCommand(program);
attachTrainCommand(registerTokenizerCommands(program));
registerModelCommands(program);
registerEvalCommands(program);
registerCollabCommands(program);
attachCoboExperiment(registerExperimentCommands(program));

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // Commander has printed help, the version, or the usage error already.
    process.exitCode = err.exitCode;
  } else if (err instanceof UserError) {
    process.stderr.write(`apertus: ${err.message}\n`);
    process.exitCode = 1;
  } else {
    process.stderr.write(`apertus: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  }
}
