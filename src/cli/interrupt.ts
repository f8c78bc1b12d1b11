/**
 * Ctrl-C for long commands: the first press aborts the returned signal, so workers stop and
 * temporary files are removed; a second press exits at once. Call `release` when done.
 */
export function interruptSignal(): { signal: AbortSignal; release(): void } {
  const controller = new AbortController();
  let presses = 0;
  const onSigint = () => {
    if (++presses > 1) process.exit(130);
    process.stderr.write('\ninterrupted: stopping workers (Ctrl-C again to exit at once)\n');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  return { signal: controller.signal, release: () => void process.off('SIGINT', onSigint) };
}
