// Collaborative learning: CoBo and the baselines, simulation, coordinator and clients.
export * from './config.js';
export * from './metrics.js';
export * from './run.js';
export * from './simulate.js';
export * from './strategies/index.js';
export * from './tasks/index.js';
export * from './work.js';
export { buildSetting, classificationSetting, languageSetting } from './data/settings.js';
export type { ClassificationOptions, ClientSpec, LanguageOptions, Setting } from './data/settings.js';
export { readClientData, writeClientData } from './data/files.js';
export { Coordinator } from './net/server.js';
export { joinCoordinator } from './net/client.js';
export { serveCollab } from './net/serve.js';
export { decodeMessage, decodeResults, decodeWork, encodeMessage, encodeResults, encodeWork } from './net/wire.js';
export { setComputeThreads } from './threads.js';
