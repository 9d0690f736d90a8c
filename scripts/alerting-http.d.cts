/** Types of scripts/alerting-http.cjs for the TypeScript tests. */
export type AlertingRequest = (method: string, url: string, body?: unknown, headers?: Record<string, string>) => Promise<{ status: number; text: string }>;
export function alertingClient(o: { caFile: string; credentialsFile?: string }): AlertingRequest;
