// Bench-only preload, required AFTER upstream's register in the log-line bench (bench/run.ts, logBench):
// hands the SDK-3 LoggerProvider that the register installed in @opentelemetry/api 1.10's `logs` to the
// separate @opentelemetry/api-logs 0.2xx global as well.
//
// Why: instrumentation-winston adds `require('@opentelemetry/winston-transport')`'s transport to every
// logger it configures. In this repository that require resolves to Filament's own dependency, 0.34,
// which emits through @opentelemetry/api-logs 0.2xx; upstream's register (SDK 3) registers its provider
// only in @opentelemetry/api, so every winston line went to api-logs' no-op logger: no record was
// created, serialised or exported (0 of 40 000 arrived at a counting sink, 2026-12-06), and the bench
// compared Filament's full bridging with upstream's transport call into nothing. A user of upstream's
// register installs the transport's SDK-3 release, 0.35, whose code is 0.34's line for line but for the
// API package it emits through (`@opentelemetry/api` instead of `@opentelemetry/api-logs`); this hand-over
// gives upstream that bridging without a second copy of the package. Filament does the same in
// src/sdk.ts (`logsBeforeSdk3.setGlobalLoggerProvider`). pino and bunyan's SDK-3 instrumentations emit
// through @opentelemetry/api and are not affected.
const { logs } = require('@opentelemetry/api');
const { logs: logsBeforeSdk3 } = require('@opentelemetry/api-logs');

logsBeforeSdk3.setGlobalLoggerProvider(logs.getLoggerProvider());
