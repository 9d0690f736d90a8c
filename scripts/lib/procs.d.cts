/** Types of procs.cjs, for the TypeScript specs and benches that load it. */
export function freePort(): Promise<number>;
export function sleep(ms: number): Promise<void>;
export function waitFor<T>(what: string, timeoutMs: number, check: () => T | undefined | Promise<T | undefined>, intervalMs?: number): Promise<T>;
export function collectorBinary(): string;
export const COLLECTOR_RUNTIME_ENV: Readonly<Record<string, string>>;
export const CLOCK_TICKS: number;
export function cpuTicks(pid: number): number;
