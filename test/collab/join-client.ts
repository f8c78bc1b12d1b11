// A client process for the networked tests: node join-client.js URL TOKEN DATA NAME
// With STALL_AT_ROUND=k it prints "stalled" when it receives the training work of round k and
// never answers (the test then kills it mid-round). It prints "joined" once it has joined.
import { joinCoordinator, readClientData, setComputeThreads } from '../../src/collab/index.js';

const [server, token, file, name] = process.argv.slice(2);
const stallAt = process.env.STALL_AT_ROUND === undefined ? undefined : Number(process.env.STALL_AT_ROUND);
setComputeThreads(1);
const data = await readClientData(file!);
const { jobs } = await joinCoordinator({
  server: server!, token: token!, data, name,
  log: (line) => process.stdout.write(`${line.startsWith('joined') ? 'joined' : line}\n`),
  onWork: async (work) => {
    if (work.round !== stallAt || work.requests.every((r) => r.kind === 'evaluate')) return;
    process.stdout.write('stalled\n');
    await new Promise(() => setInterval(() => {}, 1000));
  },
});
process.stdout.write(`jobs ${jobs}\n`);
