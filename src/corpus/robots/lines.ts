import { compressionOf, readDecompressed } from '../io/compression.js';

/**
 * The lines of a text file (LF or CRLF; the CR is dropped), decompressed by extension
 * (`.gz`, `.zst`). Read failures are io's FileReadError, whose message names the file.
 * The robots snapshot and hosts files are not documents, so io's JSONL document reader does
 * not fit; this only splits the decompressed text into lines.
 */
export async function* readLines(path: string): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8');
  let rest = '';
  for await (const chunk of readDecompressed(path, compressionOf(path))) {
    rest += decoder.decode(chunk, { stream: true });
    let start = 0;
    for (let nl = rest.indexOf('\n'); nl >= 0; nl = rest.indexOf('\n', start)) {
      yield stripCr(rest.slice(start, nl));
      start = nl + 1;
    }
    rest = rest.slice(start);
  }
  rest += decoder.decode();
  if (rest !== '') yield stripCr(rest);
}

function stripCr(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}
