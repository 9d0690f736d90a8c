// Kept in step with package.json by test/package.test.ts.
export const PACKAGE_NAME = 'filament-otel';
export const PACKAGE_VERSION = '0.1.0';
