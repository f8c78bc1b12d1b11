export type {
  DocumentReader,
  DocumentWriter,
  FieldMap,
  InputFormat,
  OutputFormat,
  ReaderOptions,
} from './types.js';
export { DEFAULT_FIELDS } from './types.js';
export {
  detectInputFormat,
  globToRegExp,
  inputFormatOf,
  listInputFiles,
  openReader,
  openWriter,
  outputExtension,
  readerFor,
} from './formats.js';
export { FileReadError } from './compression.js';
export { WARC_SKIP } from './warc.js';
