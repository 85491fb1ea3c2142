// A run's named checks, printed as one JSON report; the process fails when any check failed.

export class Report {
  constructor(name) {
    this.name = name;
    this.checks = [];
    this.started = Date.now();
  }

  /** Runs fn, recording its outcome (and what it returns as detail); never throws. */
  async check(name, fn) {
    const t = Date.now();
    try {
      const detail = await fn();
      this.checks.push({ name, ok: true, ms: Date.now() - t, ...(detail === undefined ? {} : { detail }) });
      return true;
    } catch (err) {
      // The first lines, without the terminal colours of playwright's call logs.
      const message = String((err && err.message) || err).replace(/\u001b\[\d+m/g, '').split('\n').slice(0, 4).join(' | ');
      this.checks.push({ name, ok: false, ms: Date.now() - t, error: message });
      return false;
    }
  }

  get failed() {
    return this.checks.filter((c) => !c.ok);
  }

  /** Prints the report on stdout and sets the exit code. */
  finish(extra = {}) {
    const passed = this.checks.length - this.failed.length;
    const report = { run: this.name, ok: this.failed.length === 0 && this.checks.length > 0, passed, failed: this.failed.length,
      ms: Date.now() - this.started, ...extra, checks: this.checks };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    process.stdout.write(`${this.name}: ${passed} passed, ${this.failed.length} failed\n`);
    process.exitCode = report.ok ? 0 : 1;
    return report;
  }
}

export function assert(condition, message) {
  if (!condition) throw new Error(message);
}

/** --name value pairs from argv. */
export function parseArgs(argv, known) {
  const out = {};
  for (let i = 0; i < argv.length; i += 1) {
    const name = argv[i].replace(/^--/, '');
    if (!argv[i].startsWith('--') || !known.includes(name)) throw new Error(`unknown argument ${argv[i]}; known: ${known.map((k) => `--${k}`).join(' ')}`);
    out[name] = argv[i + 1];
    i += 1;
  }
  return out;
}
