import cliProgress from 'cli-progress';

/**
 * A progress bar over input bytes with documents/s, MB/s and ETA. On a terminal it redraws in
 * place; elsewhere (CI, a log file) it prints one line every few seconds instead.
 */
export class ThroughputBar {
  private readonly bar: cliProgress.SingleBar | undefined;
  private documents = 0;
  private bytes = 0;
  private tasksDone = 0;
  private readonly started = performance.now();
  private lastLine = 0;
  private stopped = false;
  private lastState = '';

  constructor(
    private readonly label: string,
    private readonly totalBytes: number,
    private readonly tasks: number,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {
    if (stream.isTTY) {
      this.bar = new cliProgress.SingleBar(
        {
          format: `${label} {bar} {percentage}% | {docs} docs | {docsRate} docs/s | {mbRate} MB/s | tasks {tasksDone}/{tasks} | ETA {eta_formatted}`,
          stream,
          hideCursor: true,
          etaBuffer: 50,
          fps: 5,
        },
        cliProgress.Presets.shades_classic,
      );
      this.bar.start(Math.max(1, totalBytes), 0, this.payload());
    }
  }

  private payload() {
    const seconds = Math.max(1e-3, (performance.now() - this.started) / 1000);
    return {
      docs: this.documents,
      docsRate: Math.round(this.documents / seconds),
      mbRate: (this.bytes / 1e6 / seconds).toFixed(2),
      tasksDone: this.tasksDone,
      tasks: this.tasks,
    };
  }

  advance(documents: number, bytes: number): void {
    this.documents += documents;
    this.bytes += bytes;
    if (this.bar) this.bar.update(this.bytes, this.payload());
    else this.maybePrintLine();
  }

  taskDone(): void {
    this.tasksDone += 1;
    if (this.bar) this.bar.update(this.bytes, this.payload());
    else this.maybePrintLine(true);
  }

  /** Print a message above the bar without garbling it. */
  log(message: string): void {
    if (this.bar) this.bar.update(this.bytes, this.payload());
    this.stream.write(this.bar ? `\r\x1b[K${message}\n` : `${message}\n`);
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.bar) {
      this.bar.update(this.bytes, this.payload());
      this.bar.stop();
    } else {
      this.maybePrintLine(true);
    }
  }

  private maybePrintLine(force = false): void {
    const now = performance.now();
    if (!force && now - this.lastLine < 5000) return;
    this.lastLine = now;
    const p = this.payload();
    const percent = this.totalBytes > 0 ? Math.min(100, Math.round((100 * this.bytes) / this.totalBytes)) : 100;
    // The same progress twice in a row (the last task done, then stop) is printed once.
    const state = `${percent} ${p.docs} ${p.tasksDone}`;
    if (state === this.lastState) return;
    this.lastState = state;
    this.stream.write(`${this.label} ${percent}% | ${p.docs} docs | ${p.docsRate} docs/s | ${p.mbRate} MB/s | tasks ${p.tasksDone}/${p.tasks}\n`);
  }
}

/**
 * A progress bar over a count (merges, training steps) with a free-form detail (loss, lr ...).
 * On a terminal it redraws in place; elsewhere it prints a line every `every` ms.
 */
export class CountBar {
  private readonly bar: cliProgress.SingleBar | undefined;
  private lastLine = performance.now();
  private done = 0;
  private detail = '';

  constructor(private readonly label: string, private readonly total: number, private readonly every = 5000,
    private readonly stream: NodeJS.WriteStream = process.stderr) {
    if (!stream.isTTY) return;
    this.bar = new cliProgress.SingleBar(
      { format: `${label} {bar} {percentage}% | {value}/{total} | {detail} | ETA {eta_formatted}`, stream, hideCursor: true, etaBuffer: 50 },
      cliProgress.Presets.shades_classic,
    );
    this.bar.start(total, 0, { detail: '' });
  }

  update(done: number, detail = this.detail): void {
    this.done = done;
    this.detail = detail;
    if (this.bar) return this.bar.update(done, { detail });
    if (performance.now() - this.lastLine < this.every && done < this.total) return;
    this.lastLine = performance.now();
    this.stream.write(`${this.label} ${done}/${this.total}${detail ? ` | ${detail}` : ''}\n`);
  }

  /** A line above the bar. */
  log(message: string): void {
    if (this.bar) {
      this.bar.stop();
      this.stream.write(`${message}\n`);
      this.bar.start(this.total, this.done, { detail: this.detail });
    } else {
      this.stream.write(`${message}\n`);
    }
  }

  stop(): void {
    this.bar?.stop();
    this.done = 0;
  }
}
