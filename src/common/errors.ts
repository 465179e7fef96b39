// The few error types nfvperf raises, and the one place that maps them to exit codes.
// Style: one error type per audience; the original error is kept as `cause`.

/** One problem in a plan, located in its file. */
export interface PlanDiagnostic {
  file: string;
  line: number;
  col: number;
  /** Field path inside the plan, e.g. `packetSizes[1]`; empty for the whole document. */
  path: string;
  message: string;
}

/** The plan (or a command-line value) is wrong. Nothing on the host was touched. Exit 2. */
export class PlanError extends Error {
  readonly diagnostics: PlanDiagnostic[];
  constructor(diagnostics: PlanDiagnostic[]) {
    super(diagnostics.map(formatDiagnostic).join('\n'));
    this.name = 'PlanError';
    this.diagnostics = diagnostics;
  }
}

export function formatDiagnostic(d: PlanDiagnostic): string {
  const where = `${d.file}:${d.line}:${d.col}`;
  return d.path ? `${where} ${d.path}: ${d.message}` : `${where}: ${d.message}`;
}

/** The user asked for something that cannot be done as asked (bad option, missing file). Exit 2. */
export class UsageError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UsageError';
  }
}

/** Building or driving the host failed (a command, a process, the kernel). Exit 1. */
export class TestbedError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TestbedError';
  }
}

/** The run was interrupted by a signal; `exitCode` is 128 + the signal number. */
export class InterruptedError extends Error {
  readonly exitCode: number;
  constructor(signal: NodeJS.Signals) {
    super(`interrupted by ${signal}`);
    this.name = 'InterruptedError';
    this.exitCode = signal === 'SIGINT' ? 130 : 143;
  }
}

/** A bug in nfvperf itself. Exit 70 (EX_SOFTWARE). */
export class InternalError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InternalError';
  }
}

export function exitCodeOf(error: unknown): number {
  if (error instanceof PlanError || error instanceof UsageError) return 2;
  if (error instanceof InterruptedError) return error.exitCode;
  if (error instanceof InternalError) return 70;
  return 1;
}

/** One readable line (or a few, for plan diagnostics) for the terminal; no stack traces. */
export function describeError(error: unknown): string {
  if (error instanceof PlanError) return error.message;
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
    const prefix = error instanceof InternalError ? 'internal error: ' : '';
    return `${prefix}${error.message}${cause}`;
  }
  return String(error);
}
