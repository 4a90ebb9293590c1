import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..', '..', '..');

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A TypeScript entry point run the way the npm scripts run it: `node -r ts-node/register/transpile-only <file>`. */
export function spawnTs(file: string, env: Record<string, string | undefined>, args: string[] = [], stdin: 'ignore' | 'pipe' = 'ignore'): RunningProcess {
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', file, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env } as NodeJS.ProcessEnv,
    stdio: [stdin, 'pipe', 'pipe'],
  });
  return new RunningProcess(child);
}

/** Runs to the end (or kills after `timeoutMs`). */
export function runTs(file: string, env: Record<string, string | undefined>, args: string[] = [], timeoutMs = 30_000): Promise<Finished> {
  const p = spawnTs(file, env, args);
  const timer = setTimeout(() => p.child.kill('SIGKILL'), timeoutMs);
  return p.exited.finally(() => clearTimeout(timer));
}

export class RunningProcess {
  stdout = '';
  stderr = '';
  readonly exited: Promise<Finished>;

  constructor(readonly child: ChildProcess) {
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (this.stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (this.stderr += d));
    this.exited = new Promise((resolve) =>
      child.on('exit', (code, signal) => {
        // let the pipes drain
        setImmediate(() => resolve({ code, signal, stdout: this.stdout, stderr: this.stderr }));
      }),
    );
  }

  /** Resolves with the first match of `pattern` in stdout; rejects if the process ends first or after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs = 30_000): Promise<RegExpExecArray> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const m = pattern.exec(this.stdout);
        if (m) {
          cleanup();
          resolve(m);
        }
      };
      const onExit = () => {
        cleanup();
        reject(new Error(`process ended before printing ${pattern}: stdout=${this.stdout.slice(-500)} stderr=${this.stderr.slice(-2000)}`));
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`no ${pattern} within ${timeoutMs} ms: stdout=${this.stdout.slice(-500)} stderr=${this.stderr.slice(-2000)}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.child.stdout!.off('data', check);
        this.child.off('exit', onExit);
      };
      this.child.stdout!.on('data', check);
      this.child.on('exit', onExit);
      check();
    });
  }

  /** The exit, or 'timeout' after `ms` (the timer is cleared either way, so it holds no test process open). */
  async exitWithin(ms: number): Promise<Finished | 'timeout'> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), ms)));
    return Promise.race([this.exited, timeout]).finally(() => clearTimeout(timer));
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
  }
}

/** Polls `probe` until it returns a truthy value (or throws after `timeoutMs`). */
export async function eventually<T>(probe: () => Promise<T>, timeoutMs = 15_000, everyMs = 50): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v;
      last = v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > until) throw new Error(`condition not met within ${timeoutMs} ms (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
