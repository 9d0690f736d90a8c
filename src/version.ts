// Kept in step with package.json by test/unit.test.ts ("version.ts matches package.json").
export const PACKAGE_NAME = 'filament-otel';
export const PACKAGE_VERSION = '0.1.0';
