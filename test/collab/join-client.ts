// A client process for the networked test: node join-client.js URL TOKEN DATA NAME
import { joinCoordinator, readClientData, setComputeThreads } from '../../src/collab/index.js';

const [server, token, file, name] = process.argv.slice(2);
setComputeThreads(1);
const data = await readClientData(file!);
const { jobs } = await joinCoordinator({ server: server!, token: token!, data, name });
process.stdout.write(`jobs ${jobs}\n`);
